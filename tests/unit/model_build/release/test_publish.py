"""Publishing a model directory: artifact, manifest, signature, then the alias; a directory
whose artifact does not match its manifest is refused before anything is written."""

import shutil
from pathlib import Path

import pytest

from model_build.release.publish import publish
from shared.errors import IntegrityError
from shared.manifest import MANIFEST_FILENAME
from shared.serving.release_signing import SIGNATURE_FILENAME, read_signed_manifest
from shared.settings import get_settings
from shared.store.local import LocalStore


class RecordingStore(LocalStore):
    """A local store that also notes the order of its writes and alias moves."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.done: list[str] = []

    def write(self, key: str, data: bytes) -> None:
        super().write(key, data)
        self.done.append(key)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        super().set_alias(name, alias, version)
        self.done.append(f"alias {alias}")


def test_the_alias_moves_last_onto_a_signed_version(
    sentiment_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "model").mkdir()
    shutil.copytree(sentiment_model_dir, tmp_path / "model", dirs_exist_ok=True)
    (tmp_path / "model" / ".scratch").write_text("not published")
    store = RecordingStore(tmp_path / "store")
    manifest = publish(tmp_path / "model", store, alias="production")
    prefix = f"{manifest.name}/{manifest.version}/"
    steps = [prefix + manifest.artifact, prefix + MANIFEST_FILENAME, prefix + SIGNATURE_FILENAME]
    order = [store.done.index(key) for key in [*steps, "alias production"]]
    assert order == sorted(order) and store.done[-1] == "alias production"
    assert not any(key.endswith(".scratch") for key in store.done)
    assert (
        store.read(prefix + MANIFEST_FILENAME)
        == (tmp_path / "model" / MANIFEST_FILENAME).read_bytes()
    )
    signed = read_signed_manifest(store, manifest.name, manifest.version, get_settings())
    assert signed == manifest
    assert store.alias_version(manifest.name, "production") == manifest.version


def test_without_an_alias_the_version_is_stored_but_not_served(
    sentiment_model_dir: Path, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "store")
    manifest = publish(sentiment_model_dir, store, alias=None)
    assert store.versions(manifest.name) == [manifest.version]
    assert store.aliases(manifest.name) == {}


def test_an_artifact_that_does_not_match_its_manifest_is_refused(
    sentiment_model_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(sentiment_model_dir, tmp_path / "model")
    manifest = publish(sentiment_model_dir, LocalStore(tmp_path / "first"), alias=None)
    artifact = tmp_path / "model" / manifest.artifact
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    store = LocalStore(tmp_path / "store")
    with pytest.raises(IntegrityError, match="does not match its manifest's sha256"):
        publish(tmp_path / "model", store)
    assert store.model_names() == []
