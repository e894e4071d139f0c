"""The scheduled judge: every running rollout decided from its figures; an alarm aborts the one
whose candidate is failing without waiting for the policy's count."""

from datetime import UTC, datetime
from typing import Any

from handlers.rollout_judge import alarm_name, judge_all
from shared.rollouts.plan import Policy, Rollout, start
from shared.rollouts.records import read_current, read_history, write_current
from shared.rollouts.tally import Figures, VersionCounts
from shared.store.local import LocalStore

ALARM = {
    "source": "aws.cloudwatch",
    "detail-type": "CloudWatch Alarm State Change",
    "detail": {"alarmName": "inferno-candidate-errors", "state": {"value": "ALARM"}},
}


def _store(tmp_path: Any) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    for name in ("fraud", "sentiment"):
        for version in ("v1", "v2"):
            store.write(f"{name}/{version}/manifest.json", b"{}")
        store.set_alias(name, "production", "v1")
    return store


def test_the_alarm_event_is_recognised_and_other_events_are_schedules() -> None:
    assert alarm_name(ALARM) == "inferno-candidate-errors"
    ok = {**ALARM, "detail": {"alarmName": "x", "state": {"value": "OK"}}}
    assert alarm_name(ok) is None
    assert alarm_name({"source": "inferno.schedule"}) is None


def test_each_running_rollout_is_judged_on_its_own_figures(tmp_path: Any) -> None:
    store = _store(tmp_path)
    write_current(store, start("fraud", "v2", "v1", "shadow", 0.1, Policy(min_compared=10)))
    write_current(store, start("sentiment", "v2", "v1", "shadow", 0.1, Policy(min_compared=10)))
    figures = {
        "fraud": Figures(compared=10, agreement_sum=10),
        "sentiment": Figures(compared=4, agreement_sum=4),
    }

    def figures_of(rollout: Rollout) -> Figures:
        return figures[rollout.model]

    judged = judge_all(store, figures_of, None, datetime.now(UTC))
    assert [(j["model"], j["verdict"]) for j in judged] == [
        ("fraud", "promote"),
        ("sentiment", "wait"),
    ]
    assert store.alias_version("fraud", "production") == "v2"
    assert store.alias_version("sentiment", "production") == "v1"


def test_an_alarm_aborts_a_failing_candidate_before_the_count_is_reached(tmp_path: Any) -> None:
    store = _store(tmp_path)
    write_current(store, start("fraud", "v2", "v1", "canary", 0.05, Policy(min_compared=500)))
    failing = Figures(compared=3, agreement_sum=3, candidate=VersionCounts(calls=5, errors=2))
    judged = judge_all(
        store, lambda rollout: failing, "inferno-candidate-errors", datetime.now(UTC)
    )
    assert judged[0]["verdict"] == "abort"
    current = read_current(store, "fraud")
    assert current is not None and current.state == "aborted"
    assert read_history(store, "fraud")[0].decided_by == "alarm inferno-candidate-errors"
    assert store.alias_version("fraud", "production") == "v1"
