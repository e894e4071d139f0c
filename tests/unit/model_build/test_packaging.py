"""`inferno package`: every wrong input gets one line that says what to do, never a traceback;
what it writes loads on the server and answers as the estimator does."""

import json
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest, RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from handlers.cli.main import main
from model_build.packaging import PackagingError, package_model
from model_build.release.artifacts import read_manifest
from shared.serving.loaded_model import load_verified

RNG = np.random.default_rng(0)
FRAME = pd.DataFrame(
    {
        "amount": RNG.gamma(2, 50, 120).round(2),
        "items": RNG.integers(1, 9, 120),
        "member": RNG.random(120) < 0.5,
    }
)
LABELS = np.where(FRAME.amount > 100, "high", "low")


def inferno(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def forest_file(tmp_path: Path) -> Path:
    path = tmp_path / "forest.joblib"
    joblib.dump(RandomForestClassifier(20, random_state=0).fit(FRAME, LABELS), path)
    FRAME.assign(label=LABELS).to_csv(tmp_path / "sample.csv", index=False)
    return path


def test_a_trusted_pickle_becomes_a_model_directory_that_loads(
    forest_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample, output = str(tmp_path / "sample.csv"), tmp_path / "out"
    code, out, err = inferno(
        capsys, "package", str(forest_file), "--name", "spend", "--sample", sample,
        "--label", "label", "--trust-pickle", "--output", str(output),
    )  # fmt: skip
    assert code == 0, err
    printed = json.loads(out.splitlines()[0])
    assert printed["kind"] == "classification" and printed["format"] in ("onnx", "skops")
    manifest = read_manifest(output)
    assert [(f.name, f.type) for f in manifest.input_schema.features] == [  # type: ignore[union-attr]
        ("amount", "float"), ("items", "int"), ("member", "bool")
    ]  # fmt: skip
    assert manifest.metrics["accuracy"] >= 0.95 and len(manifest.checks) == 4
    assert not list(output.glob("*.joblib")) and not list(output.glob("*.pkl"))
    load_verified(manifest, (output / manifest.artifact).read_bytes())


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["{model}", "--name", "x", "--sample", "{sample}"], "--trust-pickle"),
        (["{dir}", "--name", "x", "--sample", "{sample}"], "no MLmodel file"),
        (["{sample}", "--name", "x", "--sample", "{sample}"], "not a model file"),
        (["{model}", "--name", "x", "--sample", "{model}", "--trust-pickle"], ".csv, .jsonl"),
        (["{model}", "--name", "x", "--sample", "{sample}", "--trust-pickle"],
         "the sample's columns do not match the estimator's features: missing [], not used by "
         "the model ['label'] (pass the target column as --label)"),
        (["{model}", "--name", "x", "--sample", "{sample}", "--trust-pickle", "--label", "nope"],
         "--label 'nope' is not a column"),
        (["{model}", "--name", "x", "--trust-pickle"], "pass --sample"),
        (["{junk}", "--name", "x", "--sample", "{sample}", "--trust-pickle"],
         "cannot be loaded as a pickle"),
        (["{missing}", "--name", "x", "--sample", "{sample}"], "no such file"),
    ],
)  # fmt: skip
def test_every_wrong_input_gets_one_line_that_says_what_to_do(
    forest_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    says: str,
) -> None:
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    places = {
        "model": str(forest_file), "sample": str(tmp_path / "sample.csv"), "dir": str(tmp_path),
        "junk": str(tmp_path / "junk.pkl"), "missing": str(tmp_path / "none.joblib"),
    }  # fmt: skip
    code, _, err = inferno(capsys, "package", *[part.format(**places) for part in argv])
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert says in err


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (StandardScaler().fit(FRAME), "StandardScaler is not a model"),
        (KMeans(2, n_init=1).fit(FRAME), "cannot tell what KMeans predicts: pass --kind"),
        (RandomForestClassifier(), "RandomForestClassifier is not fitted"),
        (
            LinearRegression().fit(FRAME[["amount"]].to_numpy(), FRAME["items"]),
            "the estimator takes 1 features",
        ),
    ],
    ids=["transformer", "clusterer", "unfitted", "width"],
)
def test_what_is_not_a_servable_model_is_named(model: object, says: str, tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match=says):
        package_model(
            model, FRAME.drop(columns=["member"]).to_numpy() if False else FRAME, tmp_path, name="x"
        )


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


def test_an_anomaly_scorer_keeps_scikit_learns_threshold(tmp_path: Path) -> None:
    scorer = IsolationForest(random_state=0).fit(FRAME)
    manifest = package_model(scorer, FRAME, tmp_path, name="odd")
    assert manifest.kind == "anomaly" and manifest.format == "skops"
    assert manifest.options["threshold"] == pytest.approx(-scorer.offset_)
    flagged = [check.expected["anomaly"] for check in [manifest.sample, *manifest.checks]]  # type: ignore[index]
    assert flagged == list(scorer.predict(FRAME.head(5)) == -1)


def test_onnx_is_kept_only_when_it_agrees_with_the_estimator(tmp_path: Path) -> None:
    forest = RandomForestClassifier(20, random_state=0).fit(FRAME, LABELS)
    manifest = package_model(forest, FRAME, tmp_path / "a", name="x", format="onnx")
    assert manifest.format == "onnx" and manifest.metrics["packaging"]["agrees"]
    with pytest.raises(PackagingError, match="ONNX answers differ"):
        package_model(forest, FRAME, tmp_path / "b", name="x", format="onnx", tolerance=-1)


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
