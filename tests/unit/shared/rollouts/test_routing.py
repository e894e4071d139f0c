"""Which requests a rollout takes: a canary's callers stick, its share's ends hold, a shadow
samples."""

from shared.rollouts.plan import Policy, start
from shared.rollouts.routing import BUCKETS, answered_by_candidate, bucket, compared


def test_a_caller_keeps_its_bucket_and_another_rollout_reshuffles_callers() -> None:
    first = start("fraud", "v2", "v1", "canary", 0.5, Policy())
    second = start("fraud", "v3", "v1", "canary", 0.5, Policy())
    callers = [f"client-{i}" for i in range(200)]
    places = [bucket(first, c) for c in callers]
    assert places == [bucket(first, c) for c in callers]
    assert all(0 <= p < BUCKETS for p in places)
    assert places != [bucket(second, c) for c in callers]


def test_a_canary_share_of_0_answers_no_one_and_of_1_answers_everyone() -> None:
    callers = [f"client-{i}" for i in range(500)] + [None]
    none = start("fraud", "v2", "v1", "canary", 0.0, Policy())
    every = start("fraud", "v2", "v1", "canary", 1.0, Policy())
    assert not any(answered_by_candidate(none, c) for c in callers)
    assert all(answered_by_candidate(every, c) for c in callers)


def test_a_canary_answers_a_caller_by_its_bucket() -> None:
    rollout = start("fraud", "v2", "v1", "canary", 0.3, Policy())
    for caller in (f"client-{i}" for i in range(200)):
        inside = bucket(rollout, caller) < 0.3 * BUCKETS
        assert answered_by_candidate(rollout, caller) is inside


def test_a_shadow_is_never_answered_by_its_candidate_and_compares_by_share() -> None:
    shadow = start("fraud", "v2", "v1", "shadow", 1.0, Policy())
    canary = start("fraud", "v2", "v1", "canary", 1.0, Policy())
    assert not answered_by_candidate(shadow, "client-1")
    assert all(compared(shadow) for _ in range(100))
    assert not any(compared(canary) for _ in range(100))
    assert not any(
        compared(start("fraud", "v2", "v1", "shadow", 0.0, Policy())) for _ in range(100)
    )
