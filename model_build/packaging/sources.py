"""What `inferno package FILE` is given: a skops file, a pickle the user trusts, an MLflow model
directory (sklearn flavor) or an ONNX graph; turned into an estimator or graph bytes.

A pickle runs code when it is loaded. It is loaded only here, on the user's machine, when they
say they trust it; what is written for the server is skops or ONNX, never a pickle.
"""

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_build.packaging.errors import PackagingError

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
TRUST_FLAG = "--trust-pickle"


@dataclass
class Source:
    """An estimator (or the bytes of an ONNX graph) and, from MLflow, its example and types."""

    model: Any
    example: Any = None  # a DataFrame of MLflow's input example
    column_types: dict[str, str] | None = None  # MLflow signature: column -> its type
    optional: frozenset[str] = frozenset()  # MLflow signature: columns that may be missing


def load_source(path: Path, trust_pickle: bool = False) -> Source:
    if not path.exists():
        raise PackagingError(f"{path}: no such file or directory")
    if path.is_dir():
        if (path / "MLmodel").is_file():
            return _mlflow(path, trust_pickle)
        raise PackagingError(
            f"{path}: a directory is packaged only as an MLflow model (it has no MLmodel file); "
            "pass the model file itself"
        )
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return Source(path.read_bytes())
    if suffix == ".skops":
        return Source(_skops(path))
    if suffix in PICKLE_SUFFIXES:
        return Source(_pickle(path, trust_pickle))
    raise PackagingError(
        f"{path}: not a model file this command reads (.skops, .onnx, an MLflow directory, "
        f"or with {TRUST_FLAG} .joblib/.pkl)"
    )


def _pickle(path: Path, trusted: bool) -> Any:
    if not trusted:
        raise PackagingError(
            f"{path}: loading a pickle runs whatever code it holds; if you made this file "
            f"yourself, say so with {TRUST_FLAG} (the model directory written holds no pickle)"
        )
    try:
        if path.suffix.lower() == ".joblib":
            import joblib

            return joblib.load(path)
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception as exc:
        raise PackagingError(f"{path}: cannot be loaded as a pickle: {exc}") from exc


def _skops(path: Path) -> Any:
    import skops.io as sio

    from shared.serving.allowlist import refusals, server_allowlist
    from shared.serving.loaded_model import artifact_schema, artifact_types
    from shared.serving.tree_checks import check_trees

    data = path.read_bytes()
    refused = refusals(artifact_schema(data), server_allowlist())
    if refused:
        raise PackagingError(f"{path}: holds types the server refuses: {', '.join(refused)}")
    model = sio.loads(data, trusted=artifact_types(data))
    check_trees(model)
    return model


def _mlflow(path: Path, trust_pickle: bool) -> Source:
    import yaml

    spec = yaml.safe_load((path / "MLmodel").read_text())
    flavor = (spec.get("flavors") or {}).get("sklearn")
    if flavor is None:
        flavors = ", ".join(spec.get("flavors") or {}) or "none"
        raise PackagingError(
            f"{path}: only MLflow's sklearn flavor is packaged (this model has: {flavors}); "
            "export other frameworks to ONNX and package the .onnx file"
        )
    stored = path / flavor["pickled_model"]
    # MLflow 3 saves with skops by default (checked here like any skops file); older, a pickle.
    skops_file = flavor.get("serialization_format") == "skops" or stored.suffix == ".skops"
    model = _skops(stored) if skops_file else _pickle(stored, trust_pickle)
    types, optional = _signature(spec.get("signature") or {})
    return Source(model, _example(path, spec), types, optional)


def _signature(signature: dict[str, Any]) -> tuple[dict[str, str] | None, frozenset[str]]:
    inputs = json.loads(signature.get("inputs") or "null")
    if not isinstance(inputs, list) or not all("name" in column for column in inputs):
        return None, frozenset()  # a tensor signature, or none: the sample's dtypes decide
    types = {str(column["name"]): str(column.get("type")) for column in inputs}
    optional = {str(c["name"]) for c in inputs if c.get("required", True) is False}
    return types, frozenset(optional)


def _example(path: Path, spec: dict[str, Any]) -> Any:
    import pandas as pd

    info = spec.get("saved_input_example_info") or {}
    example = path / str(info.get("artifact_path", "input_example.json"))
    if not example.is_file():
        return None
    data = json.loads(example.read_text())
    if isinstance(data, dict) and "dataframe_split" in data:
        data = data["dataframe_split"]
    if isinstance(data, dict) and "columns" in data:
        return pd.DataFrame(data["data"], columns=data["columns"])
    return pd.DataFrame(data)
