"""Model sources: an MLflow model's signature types the features, another flavor is named."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from model_build.release.artifacts import read_manifest
from tests.support.packaging import RNG, inferno


@pytest.fixture
def mlflow_model(tmp_path: Path) -> Path:
    """Store codes that look like numbers, logged with MLflow as a cloudpickle."""
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    frame = pd.DataFrame(
        {"store": ["0042", "0107", "0311"] * 20, "amount": RNG.gamma(2, 50, 60).round(2)}
    )
    labels = np.where(frame.store == "0042", "north", "south")
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["store"]), remainder="passthrough"),
        RandomForestClassifier(10, random_state=0),
    ).fit(frame, labels)
    path = tmp_path / "mlflow-model"
    with warnings.catch_warnings():
        # MLflow warns about its own type inference and pandas 3 strings: its code, not ours.
        warnings.simplefilter("ignore")
        mlflow.sklearn.save_model(
            model,
            path,
            serialization_format="cloudpickle",
            signature=infer_signature(frame, labels),
            input_example=frame.head(3),
        )
    frame.to_csv(tmp_path / "sample.csv", index=False)
    return path


def test_an_mlflow_models_signature_types_what_the_sample_cannot(
    mlflow_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = str(tmp_path / "sample.csv")
    code, _, err = inferno(
        capsys, "package", str(mlflow_model), "--name", "shops", "--sample", sample
    )
    assert code == 1 and "--trust-pickle" in err
    for extra in (["--sample", sample], []):  # without a sample: MLflow's input example
        output = tmp_path / f"out{len(extra)}"
        argv = ["package", str(mlflow_model), "--name", "shops", "--trust-pickle", "--output"]
        code, _, err = inferno(capsys, *argv, str(output), *extra)
        assert code == 0, err
        [store, amount] = read_manifest(output).input_schema.features  # type: ignore[union-attr]
        assert (store.type, store.categories) == ("category", ["0042", "0107", "0311"])
        assert amount.type == "float"


def test_an_mlflow_model_of_another_flavor_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "MLmodel").write_text("flavors:\n  python_function: {}\n  pytorch: {}\n")
    code, _, err = inferno(capsys, "package", str(tmp_path), "--name", "x", "--sample", "s.csv")
    assert code == 1
    assert (
        "only MLflow's sklearn flavor is packaged (this model has: python_function, pytorch)" in err
    )
