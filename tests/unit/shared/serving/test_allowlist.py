"""Only types on the server's exact list for a model kind load; refusal comes before skops runs."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from model_build.artifacts import read_manifest
from model_build.publish import publish
from shared.errors import UntrustedArtifactError
from shared.manifest import ModelManifest
from shared.serving.allowlist import ALLOWLISTS, allowlist_for, refusals
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
    tabular = allowlist_for("tabular-classification")
    allowed = Pipeline([("log", FunctionTransformer(np.log1p)), ("scale", StandardScaler())])
    assert refusals(artifact_schema(sio.dumps(allowed)), tabular) == []
    # The same ufunc as another estimator's attribute is refused: it is not a type.
    misplaced = StandardScaler()
    misplaced.copy = np.log1p
    assert refusals(artifact_schema(sio.dumps(misplaced)), tabular) == [
        "numpy.log1p (a callable or type reference)"
    ]
    # And a text model may hold no FunctionTransformer at all.
    text = allowlist_for("text-classification")
    assert "FunctionTransformer" in " ".join(refusals(artifact_schema(sio.dumps(allowed)), text))


def test_loaders_that_call_what_the_artifact_names_are_refused(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    schema = artifact_schema((sentiment_model_dir / manifest.artifact).read_bytes())
    schema["content"]["content"]["memory"] = {
        "__class__": "Pipeline",
        "__module__": "sklearn.pipeline",
        "__loader__": "MethodNode",
        "content": {"func": "__init__", "obj": {}},
    }
    assert refusals(schema, allowlist_for(manifest.task)) == [
        "sklearn.pipeline.Pipeline (loader MethodNode)"
    ]


def test_a_manifest_narrows_the_list_but_never_widens_it(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    widened = allowlist_for(manifest.task).narrowed_to([*manifest.trusted_types, "builtins.exec"])
    assert "builtins.exec" not in widened.types | widened.functions
    assert refusals(artifact_schema(artifact), widened) == []


def test_an_unknown_kind_may_hold_nothing(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    assert refusals(artifact_schema(artifact), allowlist_for("text-unheard-of"))


def test_every_list_is_exact_names_and_holds_no_callable_builtin() -> None:
    dangerous = {"exec", "eval", "getattr", "setattr", "__import__", "open", "compile", "input"}
    for kind, allowed in ALLOWLISTS.items():
        for name in allowed.types | allowed.functions:
            module, _, attribute = name.rpartition(".")
            assert module and attribute, f"{kind}: {name} is not module.name"
            assert attribute not in dangerous, f"{kind}: {name}"


def test_the_artifacts_training_writes_today_pass_their_kind(
    sentiment_model_dir: Path, tmp_path: Path
) -> None:
    from model_build.train_risk import train_risk

    risk_dir = tmp_path / "risk"
    train_risk(risk_dir)
    for directory in (sentiment_model_dir, risk_dir):
        manifest = read_manifest(directory)
        artifact = (directory / manifest.artifact).read_bytes()
        assert refusals(artifact_schema(artifact), allowlist_for(manifest.task)) == []
