"""A verified, loaded model: turns validated inputs into labels and class probabilities."""

import hashlib
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Any

from shared.errors import IntegrityError, SampleCheckError, UntrustedArtifactError
from shared.manifest import ModelManifest
from shared.serving.allowlist import allowlist_for, refusals
from shared.serving.kinds import ModelKind, kind_of


@dataclass
class LoadedModel:
    """An estimator with its manifest; `predict` takes a batch and its kind calls the model once."""

    manifest: ModelManifest
    estimator: Any
    size_bytes: int = 0
    kind: ModelKind = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.kind = kind_of(self.manifest)
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
    # The server's exact list for this kind, narrowed (never widened) by the manifest's.
    allowed = allowlist_for(manifest.task).narrowed_to(manifest.trusted_types)
    refused = refusals(artifact_schema(artifact), allowed)
    if refused:
        raise UntrustedArtifactError(
            f"{manifest.name}/{manifest.version}: artifact holds untrusted types: {refused}"
        )
    # Imported here: skops (and scikit-learn under it) belongs in the background load, not in
    # the time before the process answers /health.
    from shared.serving.skops_import import skops_io

    sio = skops_io()
    types = artifact_types(artifact)
    model = LoadedModel(manifest, sio.loads(artifact, trusted=types), size_bytes=len(artifact))
    check_sample(model)
    return model


def artifact_types(artifact: bytes) -> list[str]:
    """Every type a skops artifact would instantiate, read from its schema without loading it."""
    found: set[str] = set()
    pending: list[Any] = [artifact_schema(artifact)]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("__module__"), str) and isinstance(node.get("__class__"), str):
                found.add(f"{node['__module__']}.{node['__class__']}")
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return sorted(found)


def artifact_schema(artifact: bytes) -> Any:
    """The skops schema (what skops would build), parsed as plain JSON."""
    try:
        with zipfile.ZipFile(io.BytesIO(artifact)) as archive:
            return json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UntrustedArtifactError(f"not a skops artifact: {exc}") from exc


def check_sample(model: LoadedModel) -> None:
    try:
        [output] = model.predict([model.sample_input()])
    except Exception as exc:
        raise SampleCheckError(
            f"{model.name}/{model.version}: sample prediction failed: {exc}"
        ) from exc
    if problem := model.kind.sample_problem(model.manifest, output):
        raise SampleCheckError(f"{model.name}/{model.version}: {problem}")
