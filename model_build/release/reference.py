"""The drift reference profile of a model version, written beside its artifact at training or
packaging time (shared/drift/profile.py says what it holds)."""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.drift.profile import (
    MANIFEST_KEY,
    PROFILE_FILENAME,
    build_profile,
    manifest_entry,
    profile_bytes,
    sample_indices,
)
from shared.manifest import ModelManifest
from shared.serving.loaded_model import LoadedModel

Profiled = tuple[ModelManifest, bytes]

# Predicted in slices, so a 5,000-row sample never builds one large matrix.
PREDICT_BATCH = 1_000


def from_outputs(
    manifest: ModelManifest, items: Sequence[Any], outputs: Sequence[Any], seed: int = 0
) -> Profiled:
    """The manifest (naming its profile) and the profile, from answers already computed."""
    keep = sample_indices(len(items), seed)
    return _profiled(manifest, [items[i] for i in keep], [outputs[i] for i in keep], items, seed)


def from_model(
    manifest: ModelManifest, estimator: Any, items: Sequence[Any], seed: int = 0
) -> Profiled:
    """As `from_outputs`, predicting the sampled rows (request objects) with the estimator the
    way the server does, so reference answers have the served shape."""
    model = LoadedModel(manifest, estimator)
    keep = sample_indices(len(items), seed)
    sample = [items[i] for i in keep]
    inputs = [model.kind.validate(manifest, item, sys.maxsize) for item in sample]
    outputs = [
        output
        for start in range(0, len(inputs), PREDICT_BATCH)
        for output in model.predict(inputs[start : start + PREDICT_BATCH])
    ]
    return _profiled(manifest, sample, outputs, items, seed)


def _profiled(
    manifest: ModelManifest,
    sample: Sequence[Any],
    outputs: Sequence[Any],
    items: Sequence[Any],
    seed: int,
) -> Profiled:
    profile = build_profile(manifest, sample, outputs, source_rows=len(items), seed=seed)
    data = profile_bytes(profile)
    metrics = {**manifest.metrics, MANIFEST_KEY: manifest_entry(data, profile)}
    return manifest.model_copy(update={"metrics": metrics}), data


def write_profile(directory: Path, data: bytes | None) -> None:
    """Write the profile, or remove a stale one: a directory never keeps another version's."""
    path = directory / PROFILE_FILENAME
    if data is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(data)
