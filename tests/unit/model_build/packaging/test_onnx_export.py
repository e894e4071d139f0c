"""ONNX export: kept only when it agrees with the estimator; what it cannot convert is named."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from model_build.packaging import PackagingError, package_model
from tests.support.packaging import FRAME, LABELS


def test_onnx_is_kept_only_when_it_agrees_with_the_estimator(tmp_path: Path) -> None:
    forest = RandomForestClassifier(20, random_state=0).fit(FRAME, LABELS)
    manifest = package_model(forest, FRAME, tmp_path / "a", name="x", format="onnx")
    assert manifest.format == "onnx" and manifest.metrics["packaging"]["agrees"]
    with pytest.raises(PackagingError, match="ONNX answers differ"):
        package_model(forest, FRAME, tmp_path / "b", name="x", format="onnx", tolerance=-1)


def test_an_object_that_is_not_scikit_learn_is_refused_naming_it(tmp_path: Path) -> None:
    class Homemade:
        classes_ = np.array(["a", "b"])

        def fit(self) -> None: ...

        def predict(self, rows: object) -> object:
            return np.zeros(len(rows))  # type: ignore[arg-type]

        def predict_proba(self, rows: object) -> object:
            return np.full((len(rows), 2), 0.5)  # type: ignore[arg-type]

    with pytest.raises(PackagingError, match="neither scikit-learn nor LightGBM") as caught:
        package_model(Homemade(), FRAME, tmp_path, name="x", kind="classification")
    assert "holds what the server never loads" in str(caught.value)
