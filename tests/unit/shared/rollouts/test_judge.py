"""Judging a rollout: a promotion moves the alias and keeps the figures, an abort leaves
production."""

from datetime import UTC, datetime

from shared.rollouts.decision import Decision
from shared.rollouts.judge import conclude, judge
from shared.rollouts.plan import Policy, start
from shared.rollouts.records import (
    read_current,
    read_history,
    write_current,
)
from shared.rollouts.tally import Figures
from shared.store.local import LocalStore


def test_a_promotion_moves_the_alias_closes_the_rollout_and_keeps_its_figures(
    store: LocalStore,
) -> None:
    rollout = start("fraud", "v2", "v1", "shadow", 0.1, Policy(min_compared=1))
    write_current(store, rollout)
    agreed = Figures(compared=1, agreement_sum=1.0)
    now = datetime.now(UTC)
    judged = judge(store, "fraud", lambda _: agreed, now)
    assert judged is not None and judged[1].verdict == "promote"
    assert store.alias_version("fraud", "production") == "v2"
    current = read_current(store, "fraud")
    assert current is not None and current.state == "promoted" and current.decided_at == now
    (kept,) = read_history(store, "fraud")
    assert kept.figures["agreement"] == 1.0 and kept.decided_by == "policy"
    # Decided: judging again does nothing.
    assert judge(store, "fraud", lambda _: agreed, now) is None


def test_an_abort_leaves_production_untouched(store: LocalStore) -> None:
    rollout = start("fraud", "v2", "v1", "canary", 0.1, Policy())
    write_current(store, rollout)
    conclude(
        store, rollout, Decision("abort", "operator"), "inferno rollout abort", datetime.now(UTC)
    )
    assert store.alias_version("fraud", "production") == "v1"
    assert read_history(store, "fraud")[0].rollout.state == "aborted"
