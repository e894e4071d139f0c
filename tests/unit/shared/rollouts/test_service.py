"""Canary on real models: the service answers each caller always from the same version."""

from shared.rollouts.plan import Policy, start
from shared.rollouts.records import write_current
from shared.store.local import LocalStore
from tests.support.fraud_versions import NAME
from tests.unit.shared.rollouts.conftest import rollouts_on


def test_a_canary_answers_its_share_of_callers_each_always_from_the_same_version(
    fraud_store: LocalStore, versions: dict[str, str]
) -> None:
    rollout = start(NAME, versions["agreeing"], versions["production"], "canary", 0.1, Policy())
    write_current(fraud_store, rollout)
    rollouts, production = rollouts_on(fraud_store)
    chosen = [rollouts.model_for(production, f"client-{i}").version for i in range(2000)]
    share = chosen.count(versions["agreeing"]) / len(chosen)
    assert 0.07 <= share <= 0.13
    again = [rollouts.model_for(production, f"client-{i}").version for i in range(2000)]
    assert again == chosen
