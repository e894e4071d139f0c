"""A verified, loaded model: turns validated inputs into labels and class probabilities."""

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from shared.errors import IntegrityError, SampleCheckError, UntrustedArtifactError
from shared.manifest import ModelManifest, TabularInputSchema
from shared.serving.allowlist import allowlist_for, refusals


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    probabilities: dict[str, float]


@dataclass
class LoadedModel:
    """An estimator with its manifest; `predict` takes a batch and calls the model once."""

    manifest: ModelManifest
    estimator: Any
    size_bytes: int = 0
    _classes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._classes = [str(label) for label in self.estimator.classes_]

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    def predict(self, inputs: list[Any]) -> list[Prediction]:
        """Inputs are texts for a text model, feature dicts for a tabular one."""
        if not inputs:
            return []
        probabilities = self.estimator.predict_proba(self._to_matrix(inputs))
        winners = probabilities.argmax(axis=1)  # an ndarray: numpy loads with the model
        return [
            Prediction(
                label=self._classes[winner],
                confidence=round(float(row[winner]), 6),
                probabilities={
                    c: round(float(p), 6) for c, p in zip(self._classes, row, strict=True)
                },
            )
            for winner, row in zip(winners, probabilities, strict=True)
        ]

    def _to_matrix(self, inputs: list[Any]) -> Any:
        schema = self.manifest.input_schema
        if isinstance(schema, TabularInputSchema):
            import numpy as np  # not at module import: it would delay /health by ~0.15 s

            names = [feature.name for feature in schema.features]
            return np.array([[float(item[name]) for name in names] for item in inputs])
        return list(inputs)

    def sample_input(self) -> Any:
        schema = self.manifest.input_schema
        if isinstance(schema, TabularInputSchema):
            return self.manifest.sample.input
        return self.manifest.sample.input[schema.field]


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
    expected = model.manifest.sample.expected_label
    try:
        [prediction] = model.predict([model.sample_input()])
    except Exception as exc:
        raise SampleCheckError(
            f"{model.name}/{model.version}: sample prediction failed: {exc}"
        ) from exc
    if prediction.label != expected:
        raise SampleCheckError(
            f"{model.name}/{model.version}: sample predicted {prediction.label!r}, "
            f"manifest expects {expected!r}"
        )
