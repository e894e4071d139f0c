"""The manifest: a kind taken from the task when absent, an ONNX model must say how it is fed,
names and hashes checked, and only the registered kinds accepted."""

from typing import Any

import pytest
from pydantic import ValidationError

from shared.manifest import ModelManifest

BASE: dict[str, Any] = {
    "name": "churn",
    "version": "v1",
    "task": "tabular-classification",
    "created_at": "2026-01-05T09:00:00Z",
    "input_schema": {"kind": "tabular", "features": [{"name": "tenure"}]},
    "sha256": "0" * 64,
    "sample": {"input": {"tenure": 3}, "expected": {"label": "stays"}},
}


def test_a_manifest_without_kind_takes_it_from_its_task() -> None:
    assert ModelManifest.model_validate(BASE).kind == "classification"
    regression = {**BASE, "task": "tabular-regression"}
    assert ModelManifest.model_validate(regression).kind == "regression"
    said = {**BASE, "task": "tabular-regression", "kind": "anomaly"}
    assert ModelManifest.model_validate(said).kind == "anomaly"


def test_an_onnx_model_must_say_how_it_is_fed() -> None:
    with pytest.raises(ValidationError, match="an onnx model needs `onnx`"):
        ModelManifest.model_validate({**BASE, "format": "onnx", "artifact": "model.onnx"})
    onnx = {"inputs": "matrix", "input_names": ["x"], "output": "probabilities"}
    fed = ModelManifest.model_validate({**BASE, "format": "onnx", "onnx": onnx})
    assert fed.onnx is not None and fed.onnx.inputs == "matrix"


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Churn"},
        {"name": "../churn"},
        {"version": "v1/../v2"},
        {"sha256": "ABC"},
        {"task": "image-classification"},
        {"task": "tabular-clustering"},
        {"artifact_bytes": -1},
    ],
)
def test_what_a_store_path_or_the_server_cannot_trust_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ModelManifest.model_validate({**BASE, **change})
