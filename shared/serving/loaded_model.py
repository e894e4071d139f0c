"""A verified, loaded model: turns validated inputs into labels and class probabilities."""

import hashlib
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any

from shared.errors import IntegrityError, ModelLoadError, SampleCheckError, UntrustedArtifactError
from shared.kinds import BY_NAME
from shared.kinds.base import ModelKind, to_matrix
from shared.manifest import ModelManifest
from shared.observability import logger
from shared.serving.allowlist import refusals, schema_nodes, server_allowlist
from shared.serving.tree_checks import check_trees

# A 500-tree forest's schema is a few MiB (its arrays are separate members): far past any model
# yet far short of what would hold the loading thread, and the GIL, for a second.
SCHEMA_MAX_BYTES = 64 << 20


@dataclass
class LoadedModel:
    """An estimator with its manifest; `predict` takes a batch and its kind calls the model once."""

    manifest: ModelManifest
    estimator: Any
    size_bytes: int = 0
    kind: ModelKind = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.kind = BY_NAME[self.manifest.kind]
        self.kind.check_estimator(self.manifest, self.estimator)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    def predict(self, inputs: list[Any]) -> list[Any]:
        """Inputs as the kind's `validate` returned them; one answer per input, in order: the
        kind's output model (typed Any so a caller that knows the kind reads its fields)."""
        if not inputs:
            return []
        return self.kind.predict(self, inputs)

    def sample_input(self) -> Any:
        return self.kind.validate(self.manifest, self.manifest.sample.input, sys.maxsize)


def serving_config() -> None:
    """scikit-learn's settings for a thread that calls served models (they are per thread): a
    loaded model's parameters were validated when it was fitted, and checking them again on
    every call was a tenth of a one-text call (tests/performance/PROFILE.md)."""
    import sklearn  # here: ONNX-only serving and the Lambda's cold start need not import it

    sklearn.set_config(skip_parameter_validation=True)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_verified(manifest: ModelManifest, artifact: bytes) -> LoadedModel:
    """Check the hash and the types before anything is deserialised, then the sample prediction."""
    actual = sha256_hex(artifact)
    if actual != manifest.sha256:
        raise IntegrityError(
            f"{manifest.name}/{manifest.version}: artifact sha256 {actual} does not match the "
            f"manifest's {manifest.sha256}"
        )
    estimator = load_artifact(manifest, artifact)
    model = LoadedModel(manifest, estimator, size_bytes=len(artifact))
    check_sample(model)
    return with_plan(model)


def with_plan(model: LoadedModel) -> LoadedModel:
    """The model on a linear plan (linear_plan.py) if it has one that its kind can call and that
    answers its sample and checks as the estimator does; else the model as it is."""
    if model.manifest.format != "skops":
        return model
    from shared.serving import linear_plan  # scikit-learn's: loaded with the model, in background

    try:
        plan = linear_plan.plan_for(model.estimator)
        model.kind.check_estimator(model.manifest, plan)
    except (linear_plan.Unplannable, TypeError):
        return model
    probe = to_matrix(model.manifest, _check_inputs(model))
    try:
        agrees = _same(plan.predict_proba(probe), model.estimator.predict_proba(probe))
    except Exception:  # a plan that cannot run its probe is simply not used
        agrees = False
    if not agrees:
        logger.warning(
            "The model's linear plan disagrees with the estimator: served without it",
            extra={"model": model.name, "version": model.version},
        )
        return model
    return replace(model, estimator=plan)


def _same(planned: Any, expected: Any) -> bool:
    import numpy as np

    same_shape = planned.shape == expected.shape
    return bool(same_shape and np.allclose(planned, expected, rtol=1e-9, atol=1e-12))


def load_artifact(manifest: ModelManifest, artifact: bytes) -> Any:
    """The estimator (or ONNX session) an artifact holds, refused before anything is built if
    it holds what the server does not run. No hash or sample check: `load_verified` adds them."""
    return _onnx(manifest, artifact) if manifest.format == "onnx" else _skops(manifest, artifact)


def _onnx(manifest: ModelManifest, artifact: bytes) -> Any:
    from shared.serving.onnx_model import load_onnx

    try:
        return load_onnx(manifest, artifact)
    except ModelLoadError as exc:
        raise type(exc)(f"{manifest.name}/{manifest.version}: {exc}") from exc


def _skops(manifest: ModelManifest, artifact: bytes) -> Any:
    # The server's one list, narrowed (never widened) by the manifest's.
    allowed = server_allowlist().narrowed_to(manifest.trusted_types)
    refused = refusals(artifact_schema(artifact), allowed)
    if refused:
        raise UntrustedArtifactError(
            f"{manifest.name}/{manifest.version}: artifact holds untrusted types: {refused}"
        )
    # Imported here: skops (and scikit-learn under it) belongs in the background load, not in
    # the time before the process answers /health.
    from shared.serving.skops_import import skops_io

    estimator = skops_io().loads(artifact, trusted=artifact_types(artifact))
    check_trees(estimator)  # allowed types, but are their node indices in bounds?
    return estimator


def artifact_types(artifact: bytes) -> list[str]:
    """Every type a skops artifact would instantiate, read from its schema without loading it."""
    return sorted({node.name for node in schema_nodes(artifact_schema(artifact))})


def artifact_schema(artifact: bytes) -> Any:
    """The skops schema (what skops would build), parsed as plain JSON."""
    try:
        with zipfile.ZipFile(io.BytesIO(artifact)) as archive:
            declared = archive.getinfo("schema.json").file_size
            if declared > SCHEMA_MAX_BYTES:  # zipfile inflates no more than it declares
                raise UntrustedArtifactError(
                    f"skops schema inflates to {declared} bytes; at most {SCHEMA_MAX_BYTES} are "
                    "read: refused"
                )
            return json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UntrustedArtifactError(f"not a skops artifact: {exc}") from exc


def _check_inputs(model: LoadedModel) -> list[Any]:
    """The validated inputs of the manifest's sample and further checks, in that order."""
    manifest = model.manifest
    checks = [manifest.sample, *manifest.checks]
    return [model.kind.validate(manifest, check.input, sys.maxsize) for check in checks]


def check_sample(model: LoadedModel) -> None:
    """The manifest's sample and further checks, predicted in one call, must answer as written."""
    manifest = model.manifest
    checks = [manifest.sample, *manifest.checks]
    try:
        outputs = model.predict(_check_inputs(model))
    except Exception as exc:
        raise SampleCheckError(
            f"{model.name}/{model.version}: sample prediction failed: {exc}"
        ) from exc
    for position, (check, output) in enumerate(zip(checks, outputs, strict=True)):
        problem = model.kind.sample_problem(manifest.model_copy(update={"sample": check}), output)
        if problem:
            which = "" if position == 0 else f"check {position}: "
            raise SampleCheckError(f"{model.name}/{model.version}: {which}{problem}")
