"""Write a model directory: the skops artifact and its manifest."""

import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn
import skops
import skops.io as sio

from model_build.release import reference
from shared.errors import InfernoError
from shared.manifest import (
    ARTIFACT_FILENAME,
    MANIFEST_FILENAME,
    InputSchema,
    ModelManifest,
    SampleCheck,
)
from shared.serving.allowlist import refusals, server_allowlist
from shared.serving.loaded_model import artifact_schema, artifact_types, sha256_hex


def new_version(artifact: bytes) -> str:
    """Sortable by time, and unique: a UTC timestamp and the artifact's hash prefix."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{sha256_hex(artifact)[:8]}"


def write_model_dir(
    directory: Path,
    *,
    estimator: Any,
    name: str,
    version: str | None = None,
    task: str,
    input_schema: InputSchema,
    metrics: dict[str, Any],
    sample: SampleCheck,
    description: str,
    options: dict[str, Any] | None = None,
    reference_inputs: Sequence[dict[str, Any]] | None = None,
) -> ModelManifest:
    """Serialise with skops and record exactly which types a loader must trust.
    `reference_inputs` (request objects, e.g. the training rows) become the drift reference
    profile, a bounded sample of them with the model's answers (release/reference.py)."""
    artifact = sio.dumps(estimator)
    trusted = artifact_types(artifact)
    unexpected = refusals(artifact_schema(artifact), server_allowlist())
    if unexpected:
        raise ValueError(f"the estimator holds types the server will refuse: {unexpected}")
    manifest = ModelManifest(
        name=name,
        version=version or new_version(artifact),
        task=task,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        labels=[str(label) for label in getattr(estimator, "classes_", [])],
        input_schema=input_schema,
        artifact=ARTIFACT_FILENAME,
        sha256=sha256_hex(artifact),
        artifact_bytes=len(artifact),
        trusted_types=trusted,
        framework_versions={
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "skops": skops.__version__,
        },
        metrics=metrics,
        sample=sample,
        options=options or {},
        description=description,
    )
    profile = None
    if reference_inputs is not None:
        manifest, profile = reference.from_model(manifest, estimator, reference_inputs)
    directory.mkdir(parents=True, exist_ok=True)
    reference.write_profile(directory, profile)
    (directory / ARTIFACT_FILENAME).write_bytes(artifact)
    (directory / MANIFEST_FILENAME).write_text(manifest.model_dump_json(indent=2) + "\n")
    return manifest


def read_manifest(directory: Path) -> ModelManifest:
    """A model directory's manifest; one line that says what to do for anything else."""
    make_one = f"make one with: inferno package {directory} --name NAME --sample ROWS.csv"
    if directory.is_file():
        raise NotAModelDirectory(f"{directory} is a file, not a model directory: {make_one}")
    if not (directory / MANIFEST_FILENAME).is_file():
        raise NotAModelDirectory(
            f"{directory} has no {MANIFEST_FILENAME}, so it is not a model directory: {make_one}"
        )
    try:
        return ModelManifest.model_validate_json((directory / MANIFEST_FILENAME).read_bytes())
    except ValueError as exc:
        raise NotAModelDirectory(
            f"{directory / MANIFEST_FILENAME} is not a valid manifest: {exc}"
        ) from exc


class NotAModelDirectory(InfernoError):
    """What was given to publish or gate is not a model directory."""

    status_code = 400
