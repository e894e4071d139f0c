"""A skops file of allowed types whose tree indices point outside their arrays is refused before
anything predicts with it (scikit-learn follows them without bounds checks)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

from model_build.packaging import package_model
from shared.errors import UntrustedArtifactError
from shared.serving.loaded_model import load_verified, sha256_hex

RNG = np.random.default_rng(0)
FRAME = pd.DataFrame(RNG.normal(size=(200, 3)), columns=["a", "b", "c"])
LABELS = np.where(FRAME.a > 0, "up", "down")


def forest_child_out_of_bounds(model: Any) -> None:
    tree = model.estimators_[0].tree_
    state = tree.__getstate__()
    state["nodes"]["left_child"][0] = 10**9
    tree.__setstate__(state)


def forest_loop(model: Any) -> None:
    tree = model.estimators_[0].tree_
    state = tree.__getstate__()
    state["nodes"]["right_child"][0] = 0  # back to the root: predict would never end
    tree.__setstate__(state)


def forest_feature_out_of_bounds(model: Any) -> None:
    tree = model.estimators_[0].tree_
    state = tree.__getstate__()
    state["nodes"]["feature"][0] = 7
    tree.__setstate__(state)


def booster_child_out_of_bounds(model: Any) -> None:
    model._predictors[0][0].nodes["right"][0] = 60_000


def booster_feature_out_of_bounds(model: Any) -> None:
    model._predictors[0][0].nodes["feature_idx"][0] = 3


def booster_categorical_split(model: Any) -> None:
    model._predictors[0][0].nodes["is_categorical"][0] = 1


CASES: list[tuple[type, Callable[[Any], None]]] = [
    (RandomForestClassifier, forest_child_out_of_bounds),
    (RandomForestClassifier, forest_loop),
    (RandomForestClassifier, forest_feature_out_of_bounds),
    (HistGradientBoostingClassifier, booster_child_out_of_bounds),
    (HistGradientBoostingClassifier, booster_feature_out_of_bounds),
    (HistGradientBoostingClassifier, booster_categorical_split),
]


@pytest.mark.parametrize(("estimator", "tamper"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_a_tree_pointing_outside_its_arrays_is_refused(
    estimator: type, tamper: Callable[[Any], None], tmp_path: Path
) -> None:
    # GIVEN a packaged model, then the same model with one index changed and re-saved
    model = estimator(random_state=0).fit(FRAME, LABELS)
    manifest = package_model(model, FRAME, tmp_path, name="trees", format="skops")
    tamper(model)
    artifact = sio.dumps(model)
    hostile = manifest.model_copy(update={"sha256": sha256_hex(artifact)})
    # WHEN it is loaded THEN it is refused, before its sample is predicted
    with pytest.raises(UntrustedArtifactError, match="tree"):
        load_verified(hostile, artifact)


def test_the_untampered_trees_load(tmp_path: Path) -> None:
    for estimator in (RandomForestClassifier, HistGradientBoostingClassifier):
        model = estimator(random_state=0).fit(FRAME, LABELS)
        manifest = package_model(model, FRAME, tmp_path / estimator.__name__, name="t")
        artifact = (tmp_path / estimator.__name__ / manifest.artifact).read_bytes()
        assert load_verified(manifest, artifact).predict([dict(FRAME.iloc[0])])
