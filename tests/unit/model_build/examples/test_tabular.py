"""The example models' skeleton: the split, feature ranges, report table and a full trainer."""

import zipfile
from pathlib import Path

import numpy as np

from model_build.examples.tabular import bounded_features, in_order, write_table
from model_build.examples.train_progression import train_progression


def test_generated_rows_hold_out_the_last_quarter() -> None:
    train, test = in_order(list(range(20)))
    assert train == list(range(15)) and test == list(range(15, 20))


def test_feature_ranges_give_headroom_from_zero_or_both_ways() -> None:
    matrix = np.array([[1.0, -2.0], [0.5, 1.0]])
    unsigned = bounded_features(["a", "b"], matrix, signed=False)
    signed = bounded_features(["a", "b"], matrix, signed=True)
    assert [(f.minimum, f.maximum) for f in unsigned] == [(0.0, 3.0), (0.0, 6.0)]
    assert [(f.minimum, f.maximum) for f in signed] == [(-3.0, 3.0), (-6.0, 6.0)]


def test_the_report_is_a_table_per_system_with_notes(tmp_path: Path) -> None:
    scores = {"model": {"mae": 1.5, "n": 3}, "baseline (mean)": {"mae": 2.0, "n": 3}}
    write_table(tmp_path, "Title", scores, {"MAE": "mae"}, ["", "a note"])
    assert (tmp_path / "evaluation.md").read_text() == (
        "# Title\n\n| system | MAE |\n|---|---|\n| model | 1.5 |\n| baseline (mean) | 2.0 |\n"
        "\na note\n"
    )
    assert '"baseline (mean)"' in (tmp_path / "evaluation.json").read_text()


def test_a_trainer_gives_the_same_model_and_report_for_the_same_seed(tmp_path: Path) -> None:
    first, second = train_progression(tmp_path / "a"), train_progression(tmp_path / "b")
    assert first.metrics == second.metrics and first.sample == second.sample
    assert list(first.metrics)[-3:] == ["split", "dataset", "drift_reference"]
    for name in ("evaluation.json", "evaluation.md", "drift_reference.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # skops names arrays by object id: the arrays themselves are compared.
    arrays = [zipfile.ZipFile(tmp_path / d / "model.skops") for d in ("a", "b")]
    assert sorted(arrays[0].read(n) for n in arrays[0].namelist() if n.endswith(".npy")) == sorted(
        arrays[1].read(n) for n in arrays[1].namelist() if n.endswith(".npy")
    )
