"""Copy a trained model directory into a store, sign it, and optionally point an alias at it."""

from pathlib import Path

from model_build.release.artifacts import read_manifest
from model_build.release.signing import Signer, sign_manifest, signer_from_settings
from shared.errors import IntegrityError
from shared.manifest import MANIFEST_FILENAME, ModelManifest
from shared.serving.loaded_model import sha256_hex
from shared.serving.release_signing import SIGNATURE_FILENAME
from shared.settings import get_settings
from shared.store import ModelStore
from shared.store.base import version_key


def publish(
    directory: Path,
    store: ModelStore,
    alias: str | None = "production",
    signer: Signer | None = None,
) -> ModelManifest:
    """Artifact, manifest, signature, then alias: a reader never sees a half-published version.
    Publishing a version again re-signs it (how a store from before signing is brought in)."""
    signer = signer or signer_from_settings(get_settings())
    manifest = read_manifest(directory)
    manifest_bytes = (directory / MANIFEST_FILENAME).read_bytes()
    artifact = (directory / manifest.artifact).read_bytes()
    if sha256_hex(artifact) != manifest.sha256:
        raise IntegrityError(f"{directory}: artifact does not match its manifest's sha256")
    for extra in sorted(directory.iterdir()):
        skipped = (manifest.artifact, MANIFEST_FILENAME, SIGNATURE_FILENAME)
        if extra.is_file() and extra.name not in skipped and not extra.name.startswith("."):
            store.write(
                version_key(manifest.name, manifest.version, extra.name), extra.read_bytes()
            )
    store.write(version_key(manifest.name, manifest.version, manifest.artifact), artifact)
    store.write(version_key(manifest.name, manifest.version, MANIFEST_FILENAME), manifest_bytes)
    store.write(
        version_key(manifest.name, manifest.version, SIGNATURE_FILENAME),
        sign_manifest(manifest_bytes, signer),
    )
    if alias:
        store.set_alias(manifest.name, alias, manifest.version)
    return manifest
