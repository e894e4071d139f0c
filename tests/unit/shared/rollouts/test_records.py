from shared.rollouts.agreement import Comparison
from shared.rollouts.plan import Policy, start
from shared.rollouts.records import (
    read_current,
    read_figures,
    write_current,
    write_tally,
)
from shared.rollouts.tally import Tally
from shared.store.local import LocalStore


def test_rollouts_are_not_versions_and_a_model_without_one_has_none(store: LocalStore) -> None:
    write_current(store, start("fraud", "v2", "v1", "canary", 0.05, Policy()))
    assert store.versions("fraud") == ["v1", "v2"]
    assert read_current(store, "other") is None


def test_workers_tallies_are_summed_and_survive_a_restart(store: LocalStore) -> None:
    rollout = start("fraud", "v2", "v1", "shadow", 0.1, Policy())
    for worker, score in (("a", 1.0), ("b", 0.0)):
        tally = Tally()
        tally.compared(Comparison(score=score))
        write_tally(store, rollout, worker, tally.snapshot())
    assert read_figures(store, rollout).compared == 2
    assert read_figures(store, rollout).agreement == 0.5
