"""Gradient boosting that handles missing values itself: disease progression from the diabetes
measurements scikit-learn ships, with a seeded share of the measurements missing."""

import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.ensemble import HistGradientBoostingRegressor

from model_build.examples import fit_and_keep


def measurements(missing: float = 0.15, seed: int = 0) -> tuple[Any, Any]:
    data = load_diabetes(as_frame=True)
    frame = data.frame.drop(columns=["target"]).round(5)
    rng = np.random.default_rng(seed)
    holes = rng.random(frame.shape) < missing
    holes[:, 1] = False  # sex is always recorded
    return frame.mask(holes), data.frame["target"]


def main(output: Path) -> None:
    features, target = measurements()
    model = HistGradientBoostingRegressor(max_iter=150, learning_rate=0.05, random_state=0)
    fit_and_keep(model, features, target, 350, output)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
