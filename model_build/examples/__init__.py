"""Example models. `train_<name>` are the ones `inferno train` makes (on `tabular.py`'s
skeleton). The others are models a data scientist brings, trained the way they would be, each
ending in the files `inferno package` takes (see model_build/SERVE_YOUR_MODEL.md). Run one with
`.venv/bin/python -m model_build.examples.<name> OUTPUT_DIR`."""

from pathlib import Path
from typing import Any


def fit_and_keep(model: Any, features: Any, labels: Any, train_rows: int, output: Path) -> None:
    """Fit on the first rows, then keep what a scientist keeps: the model as a joblib file and
    the other rows, with their label, as `sample.csv`."""
    import joblib

    model.fit(features[:train_rows], labels[:train_rows])
    output.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, output / "model.joblib")
    features[train_rows:].assign(label=labels[train_rows:]).to_csv(
        output / "sample.csv", index=False
    )
