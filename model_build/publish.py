"""Copy a trained model directory into a store and, optionally, point an alias at it."""

from pathlib import Path

from model_build.artifacts import read_manifest
from shared.errors import IntegrityError
from shared.manifest import MANIFEST_FILENAME, ModelManifest
from shared.serving.loaded_model import sha256_hex
from shared.store import ModelStore
from shared.store.base import version_key


def publish(directory: Path, store: ModelStore, alias: str | None = "production") -> ModelManifest:
    """Artifact first, manifest second, alias last: a reader never sees a half-published version."""
    manifest = read_manifest(directory)
    artifact = (directory / manifest.artifact).read_bytes()
    if sha256_hex(artifact) != manifest.sha256:
        raise IntegrityError(f"{directory}: artifact does not match its manifest's sha256")
    for extra in sorted(directory.iterdir()):
        skipped = (manifest.artifact, MANIFEST_FILENAME)
        if extra.is_file() and extra.name not in skipped and not extra.name.startswith("."):
            store.write(
                version_key(manifest.name, manifest.version, extra.name), extra.read_bytes()
            )
    store.write(version_key(manifest.name, manifest.version, manifest.artifact), artifact)
    store.write(
        version_key(manifest.name, manifest.version, MANIFEST_FILENAME),
        (directory / MANIFEST_FILENAME).read_bytes(),
    )
    if alias:
        store.set_alias(manifest.name, alias, manifest.version)
    return manifest
