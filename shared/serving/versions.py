"""Load one version from the store as the server trusts it: signed manifest, bounded artifact
read, hash, types and sample checked. The registry's swaps, a rollout's candidate and the
retraining gate's production model all load this way."""

import sys

from shared.errors import InfernoError
from shared.serving.gc_policy import cyclic_gc_paused
from shared.serving.loaded_model import LoadedModel, load_verified
from shared.serving.release_signing import read_signed_manifest
from shared.settings import Settings
from shared.store import ModelStore
from shared.store.base import version_key


def load_version(store: ModelStore, name: str, version: str, settings: Settings) -> LoadedModel:
    manifest = read_signed_manifest(store, name, version, settings)
    if manifest.name != name or manifest.version != version:
        raise InfernoError(f"manifest at {name}/{version} names {manifest.name}/{manifest.version}")
    # Never more than the signed manifest says the artifact holds, nor than the ceiling.
    limit = min(manifest.artifact_bytes or sys.maxsize, settings.model_max_artifact_bytes)
    artifact = store.read(version_key(name, version, manifest.artifact), limit)
    with cyclic_gc_paused():  # what a load makes lives as long as the model: no cycles to hunt
        return load_verified(manifest, artifact)
