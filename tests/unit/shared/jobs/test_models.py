"""A job's model: the alias is read once and the version pinned; the pinned version is loaded
verified, once per process."""

from pathlib import Path

import pytest

from shared.errors import StoreKeyNotFound
from shared.jobs import models
from shared.jobs.spec import ModelRef
from shared.store.local import LocalStore


def test_an_alias_is_pinned_to_the_version_it_names_now(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for version in ("v1", "v2"):
        store.write(f"fraud/{version}/manifest.json", b"{}")
    store.set_alias("fraud", "production", "v1")
    pinned = models.resolve(store, ModelRef.parse("fraud"))
    store.set_alias("fraud", "production", "v2")
    assert pinned == ModelRef(name="fraud", alias="production", version="v1")
    with pytest.raises(StoreKeyNotFound):
        models.resolve(store, ModelRef.parse("fraud:v9"))


def test_a_pinned_version_is_loaded_verified_and_once(local_store: LocalStore) -> None:
    [name] = local_store.model_names()
    pinned = models.resolve(local_store, ModelRef.parse(f"{name}@production"))
    by_version = models.resolve(local_store, ModelRef(name=name, version=pinned.version))
    assert by_version == ModelRef(name=name, version=pinned.version)
    model = models.load(local_store, pinned)
    assert (model.manifest.name, model.manifest.version) == (name, pinned.version)
    assert models.load(local_store, ModelRef.parse(f"{name}@production")) is model
