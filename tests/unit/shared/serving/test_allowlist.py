"""Only types on the server's exact list load; refusal comes before skops runs."""

import functools
import importlib
import json
import operator
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from model_build.release.artifacts import read_manifest
from model_build.release.publish import publish
from shared.errors import UntrustedArtifactError
from shared.manifest import ModelManifest
from shared.serving.allowlist import FUNCTIONS, refusals, server_allowlist
from shared.serving.loaded_model import artifact_schema, artifact_types, load_verified, sha256_hex
from shared.serving.registry import ModelRegistry
from shared.settings import Settings
from shared.store.local import LocalStore


def payload(target: Path) -> str:
    """Sample text that, run by exec, writes `target`."""
    return f"open({str(target)!r}, 'w').write('owned')"


def exec_pipeline(*functions: Callable[..., Any]) -> Pipeline:
    steps = [(f"f{i}", FunctionTransformer(func)) for i, func in enumerate(functions)]
    return Pipeline([*steps, ("model", LogisticRegression())])


def hostile_version(base: ModelManifest, artifact: bytes, text: str, version: str) -> ModelManifest:
    """The attack from the finding: the manifest trusts whatever the artifact holds."""
    sample = base.sample.model_copy(update={"input": {"text": text}})
    return base.model_copy(
        update={
            "version": version,
            "sha256": sha256_hex(artifact),
            "trusted_types": artifact_types(artifact),
            "sample": sample,
        }
    )


@pytest.mark.parametrize(
    "functions",
    [
        (iter, next, exec),  # the finding's artifact
        (iter, next, eval),
        (getattr,),
        (__import__,),
        (open,),
        (np.sqrt, exec),  # an allowed function does not carry an unlisted one in
    ],
    ids=["iter-next-exec", "iter-next-eval", "getattr", "import", "open", "sqrt-then-exec"],
)
def test_a_pipeline_calling_builtins_is_refused_before_it_runs(
    sentiment_model_dir: Path, tmp_path: Path, functions: tuple[Callable[..., Any], ...]
) -> None:
    # GIVEN an artifact whose FunctionTransformers call builtins, and a sample that is code
    target = tmp_path / "owned"
    artifact = sio.dumps(exec_pipeline(*functions))
    manifest = hostile_version(
        read_manifest(sentiment_model_dir), artifact, payload(target), "hostile-1"
    )
    # WHEN it is loaded THEN it is refused, and the payload never ran
    with pytest.raises(UntrustedArtifactError, match="untrusted types"):
        load_verified(manifest, artifact)
    assert not target.exists()


def test_the_payload_is_real_code_when_nothing_checks_it(tmp_path: Path) -> None:
    # Control for the tests above: loaded without the allowlist, the same pipeline runs the text.
    target = tmp_path / "owned"
    artifact = sio.dumps(exec_pipeline(iter, next, exec))
    loaded = sio.loads(artifact, trusted=artifact_types(artifact))
    loaded[:-1].transform([payload(target)])
    assert target.read_text() == "owned"


def test_the_registry_keeps_serving_when_a_hostile_version_is_released(
    local_store: LocalStore, sentiment_model_dir: Path, tmp_path: Path
) -> None:
    # GIVEN a registry serving the real model, and a hostile version that is even signed
    registry = ModelRegistry(local_store, Settings(model_dir=local_store.root))
    assert registry.refresh()
    serving = registry.default().version
    target = tmp_path / "owned"
    hostile_dir = tmp_path / "hostile"
    hostile_dir.mkdir()
    artifact = sio.dumps(exec_pipeline(iter, next, exec))
    manifest = hostile_version(
        read_manifest(sentiment_model_dir), artifact, payload(target), "hostile-2"
    )
    (hostile_dir / manifest.artifact).write_bytes(artifact)
    (hostile_dir / "manifest.json").write_text(manifest.model_dump_json())
    publish(hostile_dir, local_store, alias="production")
    # WHEN the registry follows the alias
    registry.refresh()
    # THEN the old version serves and the payload's file never appears
    assert registry.default().version == serving
    assert not target.exists()


def test_a_function_is_allowed_only_where_a_function_transformer_calls_it() -> None:
    allowed = Pipeline([("log", FunctionTransformer(np.log1p)), ("scale", StandardScaler())])
    assert refusals(artifact_schema(sio.dumps(allowed)), server_allowlist()) == []
    # The same ufunc as another estimator's attribute is refused: it is not a type.
    misplaced = StandardScaler()
    misplaced.copy = np.log1p
    assert refusals(artifact_schema(sio.dumps(misplaced)), server_allowlist()) == [
        "numpy.log1p (a callable or type reference)"
    ]


@pytest.mark.parametrize(
    "function",
    [exec, eval, getattr, setattr, __import__, open, compile, os.system, os.popen,
     operator.attrgetter("x"), operator.methodcaller("x"), importlib.import_module,
     functools.partial(np.log1p), np.load, np.fromfile],
    ids=lambda function: getattr(function, "__name__", type(function).__name__),
)  # fmt: skip
def test_no_function_off_the_list_passes_even_where_functions_are_called(
    function: Callable[..., Any],
) -> None:
    schema = artifact_schema(sio.dumps(FunctionTransformer(function)))
    assert refusals(schema, server_allowlist()), function


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_listed_function_passes_as_a_transform_step(name: str) -> None:
    ufunc = getattr(np, name.removeprefix("numpy."))
    assert isinstance(ufunc, np.ufunc)  # element-wise arithmetic, nothing that looks things up
    schema = artifact_schema(sio.dumps(FunctionTransformer(ufunc, inverse_func=np.expm1)))
    assert refusals(schema, server_allowlist()) == []


def test_a_generator_whose_bit_generator_is_another_callable_is_refused() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    fitted = HistGradientBoostingClassifier(max_iter=2).fit([[0.0], [1.0]] * 10, [0, 1] * 10)
    fitted._feature_subsample_rng = np.random.default_rng(0)
    schema = artifact_schema(sio.dumps(fitted))
    assert refusals(schema, server_allowlist()) == []
    text = json.dumps(schema).replace('\\"PCG64\\"', '\\"seed\\"')
    assert "numpy.random.seed" in " ".join(refusals(json.loads(text), server_allowlist()))


def test_loaders_that_call_what_the_artifact_names_are_refused(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    schema = artifact_schema((sentiment_model_dir / manifest.artifact).read_bytes())
    schema["content"]["content"]["memory"] = {
        "__class__": "Pipeline",
        "__module__": "sklearn.pipeline",
        "__loader__": "MethodNode",
        "content": {"func": "__init__", "obj": {}},
    }
    assert refusals(schema, server_allowlist()) == ["sklearn.pipeline.Pipeline (loader MethodNode)"]


def test_a_manifest_narrows_the_list_but_never_widens_it(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    widened = server_allowlist().narrowed_to([*manifest.trusted_types, "builtins.exec"])
    assert "builtins.exec" not in widened.types | widened.functions
    assert refusals(artifact_schema(artifact), widened) == []


def test_a_manifest_that_trusts_nothing_loads_nothing(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    assert refusals(artifact_schema(artifact), server_allowlist().narrowed_to([]))


def test_the_list_is_exact_names_and_holds_no_callable_builtin() -> None:
    dangerous = {
        "exec",
        "eval",
        "getattr",
        "setattr",
        "__import__",
        "open",
        "compile",
        "input",
        "system",
        "popen",
        "import_module",
        "attrgetter",
        "methodcaller",
        "partial",
    }
    allowed = server_allowlist()
    for name in allowed.types | allowed.functions:
        module, _, attribute = name.rpartition(".")
        assert module and attribute, f"{name} is not module.name"
        assert attribute not in dangerous, name
        assert module.split(".")[0] in {"builtins", "numpy", "scipy", "sklearn"}, name
        assert module.split(".")[0] != "builtins" or attribute in _BUILTIN_DATA, name


_BUILTIN_DATA = {"dict", "list", "tuple", "set", "str", "int", "float", "bool", "slice", "bytes"}


def test_the_artifacts_training_writes_today_pass_their_kind(
    sentiment_model_dir: Path, tmp_path: Path
) -> None:
    from model_build.examples.train_risk import train_risk

    risk_dir = tmp_path / "risk"
    train_risk(risk_dir)
    for directory in (sentiment_model_dir, risk_dir):
        manifest = read_manifest(directory)
        artifact = (directory / manifest.artifact).read_bytes()
        assert refusals(artifact_schema(artifact), server_allowlist()) == []
