from pathlib import Path

import pandas as pd

from model_build.examples.fraud_feed import TACTICS, day_frame, tactic_of, write_days
from model_build.examples.fraud_forest import fit


def test_a_day_is_seeded_and_each_day_differs() -> None:
    pd.testing.assert_frame_equal(day_frame(2, 500), day_frame(2, 500))
    assert not day_frame(2, 500).equals(day_frame(3, 500))


def test_tactics_rotate_by_day() -> None:
    assert [tactic_of(day).name for day in range(len(TACTICS) + 1)][-1] == TACTICS[0].name


def test_yesterdays_model_misses_todays_tactic_that_todays_model_catches() -> None:
    yesterday, today = day_frame(1, 3000), day_frame(2, 3000)
    train, holdout = today.iloc[:2000], today.iloc[2000:]
    fraud = holdout[holdout.label == "fraud"]
    caught_by_old = (fit(yesterday).predict(fraud.drop(columns=["label"])) == "fraud").mean()
    new = fit(pd.concat([yesterday, train]))
    caught_by_new = (new.predict(fraud.drop(columns=["label"])) == "fraud").mean()
    assert caught_by_new > caught_by_old + 0.15


def test_broken_days_break_the_labels_not_the_features() -> None:
    good = day_frame(4, 800)
    shuffled, flipped = day_frame(4, 800, broken="shuffled"), day_frame(4, 800, broken="flipped")
    features = good.drop(columns=["label"])
    pd.testing.assert_frame_equal(features, shuffled.drop(columns=["label"]))
    assert (flipped.label != good.label).all()
    assert sorted(shuffled.label) == sorted(good.label) and not shuffled.label.equals(good.label)


def test_the_feed_lands_one_folder_per_day(tmp_path: Path) -> None:
    written = write_days(tmp_path, range(2), 50)
    assert [path.parent.name for path in written] == ["day=000", "day=001"]
    assert len(pd.read_csv(written[1])) == 50
