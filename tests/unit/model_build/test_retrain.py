"""The daily pipeline on a seeded feed, against a local store: a day that brings a new tactic
gives a candidate that beats production on that day's held-out rows, is published without
moving production and starts a shadow rollout; a broken day is refused with production intact."""

import shutil
from pathlib import Path

import pytest

from model_build.examples.fraud_feed import day_folder, write_days
from model_build.examples.fraud_forest import fit
from model_build.retrain import Retrainer, RetrainRefused, retrain
from shared.rollouts.defaults import RolloutDefaults, write_defaults
from shared.rollouts.plan import Policy
from shared.rollouts.records import read_current, read_history
from shared.settings import get_settings
from shared.store.local import LocalStore

ROWS = 2000
RETRAINER = Retrainer(fit=fit, label="label", floor={"macro_f1": 0.7}, description="test")


def _feed_until(feed: Path, day: int, into: Path) -> LocalStore:
    """The feed as it stood on `day`: the days that had landed by then."""
    for earlier in range(day + 1):
        shutil.copytree(day_folder(feed, earlier), day_folder(into, earlier))
    return LocalStore(into)


def test_daily_candidates_win_on_their_day_go_to_shadow_and_a_broken_day_is_refused(
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed"
    write_days(feed, range(4), ROWS, broken={3: "shuffled"})
    store = LocalStore(tmp_path / "store")
    settings = get_settings()
    write_defaults(store, "card-fraud", RolloutDefaults(share=0.2, policy=Policy(min_compared=50)))

    first = retrain(store, _feed_until(feed, 0, tmp_path / "d0"), "card-fraud", RETRAINER, settings)
    assert first.production is None and first.rollout is None  # nothing to shadow yet
    assert store.aliases("card-fraud") == {}
    store.set_alias("card-fraud", "production", first.candidate.version)

    second = retrain(
        store, _feed_until(feed, 1, tmp_path / "d1"), "card-fraud", RETRAINER, settings
    )
    assert second.days == ["day=000", "day=001"]
    assert second.production == first.candidate.version
    f1 = [line for line in second.gate if line.startswith("day=001 held out.macro_f1")]
    assert f1 and "(+" in f1[0]  # the candidate beats production on the day it was trained for
    assert store.alias_version("card-fraud", "production") == first.candidate.version
    rollout = read_current(store, "card-fraud")
    assert rollout is not None and rollout.running and rollout.mode == "shadow"
    assert (rollout.candidate, rollout.share, rollout.policy.min_compared) == (
        second.candidate.version,
        0.2,
        50,
    )
    assert second.candidate.metrics["training_days"] == ["day=000", "day=001"]

    # The next day's candidate supersedes the undecided one.
    third = retrain(store, _feed_until(feed, 2, tmp_path / "d2"), "card-fraud", RETRAINER, settings)
    assert third.rollout is not None and third.rollout.candidate == third.candidate.version
    (superseded,) = read_history(store, "card-fraud")
    assert superseded.rollout.state == "aborted" and "superseded" in (
        superseded.rollout.reason or ""
    )

    versions = store.versions("card-fraud")
    with pytest.raises(RetrainRefused, match=r"macro_f1 .* < floor 0\.7000"):
        retrain(store, _feed_until(feed, 3, tmp_path / "d3"), "card-fraud", RETRAINER, settings)
    assert store.versions("card-fraud") == versions  # nothing published
    assert store.alias_version("card-fraud", "production") == first.candidate.version


def test_an_empty_feed_is_refused_with_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(RetrainRefused, match="holds no day=NNN folders"):
        retrain(
            LocalStore(tmp_path / "store"),
            LocalStore(tmp_path / "feed"),
            "card-fraud",
            RETRAINER,
            get_settings(),
        )
