"""Loading one version as the server trusts it: the manifest must name that version, and no
more of the artifact is read than the signed manifest says it holds."""

import shutil

import pytest

from shared.errors import InfernoError, ObjectTooLarge
from shared.serving.versions import load_version
from shared.settings import get_settings
from shared.store.base import version_key
from shared.store.local import LocalStore


def production(store: LocalStore) -> tuple[str, str]:
    [name] = store.model_names()
    return name, store.alias_version(name, "production")


def test_a_published_version_loads_as_itself(local_store: LocalStore) -> None:
    name, version = production(local_store)
    model = load_version(local_store, name, version, get_settings())
    assert (model.manifest.name, model.manifest.version) == (name, version)


def test_a_manifest_copied_under_another_version_is_refused(local_store: LocalStore) -> None:
    name, version = production(local_store)
    shutil.copytree(local_store.root / name / version, local_store.root / name / "v-copied")
    with pytest.raises(InfernoError, match=f"manifest at {name}/v-copied names {name}/{version}"):
        load_version(local_store, name, "v-copied", get_settings())


def test_an_artifact_longer_than_its_manifest_says_is_not_read(local_store: LocalStore) -> None:
    name, version = production(local_store)
    model = load_version(local_store, name, version, get_settings())
    key = version_key(name, version, model.manifest.artifact)
    local_store.write(key, local_store.read(key) + b"\0")
    with pytest.raises(ObjectTooLarge, match=f"at most {model.manifest.artifact_bytes} are read"):
        load_version(local_store, name, version, get_settings())
