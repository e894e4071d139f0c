from datetime import timedelta

from shared.rollouts.decision import decide
from shared.rollouts.plan import Policy, start
from shared.rollouts.tally import Figures, VersionCounts

POLICY = Policy(min_compared=100, min_agreement=0.9, max_latency_ratio=1.5, max_error_rate=0.02)
ROLLOUT = start("fraud", "v2", "v1", "shadow", 0.1, POLICY)
SOON = ROLLOUT.started_at + timedelta(minutes=5)


def _figures(compared: int, agreed: float, candidate_ms: float = 2.0, errors: int = 0) -> Figures:
    return Figures(
        compared=compared,
        agreement_sum=agreed,
        production=VersionCounts(calls=compared, timed=compared, model_ms=2.0 * compared),
        candidate=VersionCounts(
            calls=compared + errors, errors=errors, timed=compared, model_ms=candidate_ms * compared
        ),
    )


def test_a_candidate_that_agrees_is_promoted_once_enough_was_compared() -> None:
    assert decide(ROLLOUT, _figures(99, 99), SOON).verdict == "wait"
    decision = decide(ROLLOUT, _figures(100, 97), SOON)
    assert decision.verdict == "promote"
    assert decision.figures["agreement"] == 0.97 and decision.figures["compared"] == 100


def test_a_candidate_that_disagrees_is_aborted_as_soon_as_the_bar_is_out_of_reach() -> None:
    # 11 disagreements of the 100 needed: 89 % at best.
    decision = decide(ROLLOUT, _figures(30, 19), SOON)
    assert decision.verdict == "abort" and "can no longer reach 90.0%" in decision.reason
    assert decide(ROLLOUT, _figures(30, 21), SOON).verdict == "wait"


def test_a_slow_candidate_is_aborted() -> None:
    decision = decide(ROLLOUT, _figures(100, 100, candidate_ms=3.2), SOON)
    assert decision.verdict == "abort" and "1.60x" in decision.reason


def test_a_failing_candidate_is_aborted_before_the_count_is_reached() -> None:
    decision = decide(ROLLOUT, _figures(40, 40, errors=2), SOON)
    assert decision.verdict == "abort" and "failed 2 of 42" in decision.reason
    # One failure in a handful of calls is not yet a rate.
    assert decide(ROLLOUT, _figures(10, 10, errors=1), SOON).verdict == "wait"


def test_too_little_traffic_by_the_deadline_aborts() -> None:
    late = ROLLOUT.deadline + timedelta(seconds=1)
    decision = decide(ROLLOUT, _figures(50, 50), late)
    assert decision.verdict == "abort" and "deadline passed with 50 of 100" in decision.reason
