from typing import Any

import pytest

from shared.errors import StoreKeyNotFound
from shared.rollouts.agreement import Comparison
from shared.rollouts.follower import RolloutFollower
from shared.rollouts.plan import Policy, start
from shared.rollouts.records import read_figures, write_current
from shared.settings import get_settings
from shared.store.local import LocalStore
from tests.support.fraud_versions import NAME


def test_no_rollout_means_no_candidate(fraud_store: LocalStore) -> None:
    follower = RolloutFollower(fraud_store, get_settings(), worker="w1")
    follower.refresh([NAME])
    assert follower.active(NAME) is None


def test_a_running_rollout_loads_its_candidate_and_its_counts_reach_the_store(
    fraud_store: LocalStore, versions: dict[str, str]
) -> None:
    rollout = start(NAME, versions["agreeing"], versions["production"], "shadow", 0.5, Policy())
    write_current(fraud_store, rollout)
    follower = RolloutFollower(fraud_store, get_settings(), worker="w1")
    follower.refresh([NAME])
    active = follower.active(NAME)
    assert active is not None and active.candidate.version == versions["agreeing"]
    active.tally.compared(Comparison(score=1.0))
    follower.refresh([NAME])
    assert read_figures(fraud_store, rollout).compared == 1
    # A restarted worker keeps counting beside what the old one wrote.
    again = RolloutFollower(fraud_store, get_settings(), worker="w2")
    again.refresh([NAME])
    again_active = again.active(NAME)
    assert again_active is not None
    again_active.tally.compared(Comparison(score=0.0))
    again.flush()
    assert read_figures(fraud_store, rollout).agreement == 0.5


def test_a_closed_rollout_is_let_go_with_its_last_counts_written(
    fraud_store: LocalStore, versions: dict[str, str]
) -> None:
    rollout = start(NAME, versions["agreeing"], versions["production"], "canary", 0.1, Policy())
    write_current(fraud_store, rollout)
    follower = RolloutFollower(fraud_store, get_settings(), worker="w1")
    follower.refresh([NAME])
    active = follower.active(NAME)
    assert active is not None
    active.tally.called(candidate=True)
    write_current(fraud_store, rollout.model_copy(update={"state": "aborted"}))
    follower.refresh([NAME])
    assert follower.active(NAME) is None
    assert read_figures(fraud_store, rollout).candidate.calls == 1


def test_a_candidate_that_cannot_load_leaves_production_alone_and_is_tried_again(
    fraud_store: LocalStore, versions: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[str] = []

    def failing(store: Any, name: str, version: str, settings: Any) -> Any:
        attempts.append(version)
        raise StoreKeyNotFound(f"{name}/{version}/manifest.json")

    write_current(
        fraud_store, start(NAME, "missing", versions["production"], "canary", 1, Policy())
    )
    follower = RolloutFollower(fraud_store, get_settings(), worker="w1", loader=failing)
    follower.refresh([NAME])
    follower.refresh([NAME])
    assert follower.active(NAME) is None
    assert attempts == ["missing", "missing"]
