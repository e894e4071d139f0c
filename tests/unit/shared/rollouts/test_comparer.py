"""The comparer on real models: a shadow compares every answer with the candidate, a full
queue drops and counts."""

from typing import Any

import pytest

from shared.rollouts.plan import Policy, start
from shared.rollouts.records import write_current
from shared.settings import get_settings
from shared.store.local import LocalStore
from tests.support.fraud_versions import NAME
from tests.unit.shared.rollouts.conftest import answer_of, rollouts_on


@pytest.mark.parametrize(("candidate", "agrees"), [("agreeing", True), ("flipped", False)])
def test_a_full_shadow_compares_every_answer_with_the_candidate(
    fraud_store: LocalStore,
    versions: dict[str, str],
    transactions: list[dict[str, Any]],
    candidate: str,
    agrees: bool,
) -> None:
    rollout = start(NAME, versions[candidate], versions["production"], "shadow", 1.0, Policy())
    write_current(fraud_store, rollout)
    rollouts, production = rollouts_on(fraud_store)
    for start_at in range(0, 40, 4):  # 10 requests of 4 transactions
        rollouts.answered(answer_of(production, transactions[start_at : start_at + 4]))
    rollouts.comparer.drain()
    active = rollouts.follower.active(NAME)
    assert active is not None
    figures = active.tally.snapshot()
    assert figures.compared == 40 and figures.production.calls == 10
    assert figures.candidate.calls >= 1 and figures.candidate.errors == 0
    agreement = figures.agreement
    assert agreement is not None
    assert agreement > 0.9 if agrees else agreement < 0.3


def test_a_full_queue_drops_and_counts_instead_of_waiting(
    fraud_store: LocalStore, versions: dict[str, str], transactions: list[dict[str, Any]]
) -> None:
    write_current(
        fraud_store,
        start(NAME, versions["agreeing"], versions["production"], "shadow", 1.0, Policy()),
    )
    settings = get_settings().model_copy(update={"rollout_compare_queue": 3})
    rollouts, production = rollouts_on(fraud_store, settings)
    for _ in range(10):
        rollouts.answered(answer_of(production, transactions[:1]))
    active = rollouts.follower.active(NAME)
    assert active is not None and active.tally.snapshot().shadow_dropped == 7
    rollouts.comparer.drain()
    assert active.tally.snapshot().compared == 3
