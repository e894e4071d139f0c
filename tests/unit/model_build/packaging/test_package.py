"""`inferno package`: every wrong input gets one line that says what to do, never a traceback;
what it writes loads on the server and answers as the estimator does."""

import json
from pathlib import Path

import joblib
import pytest
from sklearn.ensemble import RandomForestClassifier

from model_build.release.artifacts import read_manifest
from shared.serving.loaded_model import load_verified
from tests.support.packaging import FRAME, LABELS, inferno


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
