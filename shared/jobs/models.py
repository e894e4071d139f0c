"""Resolve a model reference to a version once, and load that exact version where batches run."""

import threading

from shared.jobs.spec import ModelRef
from shared.serving.loaded_model import LoadedModel, load_verified
from shared.serving.release_signing import read_signed_manifest
from shared.settings import get_settings
from shared.store import ModelStore
from shared.store.base import version_key

_cache: dict[tuple[str, str, str], LoadedModel] = {}
_lock = threading.Lock()


def resolve(store: ModelStore, ref: ModelRef) -> ModelRef:
    """The reference pinned to a version: an alias is read now, and never again by this job."""
    if ref.version:
        store.manifest(ref.name, ref.version)  # fails early (StoreKeyNotFound) when it is absent
        return ModelRef(name=ref.name, version=ref.version)
    assert ref.alias is not None
    return ModelRef(
        name=ref.name, alias=ref.alias, version=store.alias_version(ref.name, ref.alias)
    )


def load(store: ModelStore, ref: ModelRef) -> LoadedModel:
    """The verified model for a pinned reference, loaded once per process (a warm Lambda or a
    local worker scores many batches with it)."""
    pinned = ref if ref.version else resolve(store, ref)
    assert pinned.version is not None
    key = (store.describe(), pinned.name, pinned.version)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        manifest = read_signed_manifest(store, pinned.name, pinned.version, get_settings())
        artifact = store.read(version_key(pinned.name, pinned.version, manifest.artifact))
        model = load_verified(manifest, artifact)
        _cache.clear()  # one job's model at a time: memory does not grow across jobs
        _cache[key] = model
        return model
