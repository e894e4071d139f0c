"""Only released models run: a version serves only with the release key's signature."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from model_build.release.publish import publish
from model_build.release.signing import KmsSigner, LocalSigner
from shared.errors import UnsignedRelease, WrongSignature
from shared.observability import metric_names, metrics
from shared.serving import release_signing
from shared.serving.registry import ModelRegistry
from shared.serving.release_signing import SIGNATURE_FILENAME, read_signed_manifest
from shared.settings import Settings
from shared.store.local import LocalStore

NAME = "sentiment"


def settings_for(store: LocalStore, **fields: Any) -> Settings:
    return Settings(model_dir=store.root, model_refresh_seconds=1, **fields)


def versioned(source: Path, tmp_path: Path, version: str) -> Path:
    """A copy of a model directory under another version name."""
    target = tmp_path / version
    target.mkdir()
    manifest = json.loads((source / "manifest.json").read_text())
    manifest["version"] = version
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / manifest["artifact"]).write_bytes((source / manifest["artifact"]).read_bytes())
    return target


def failures_recorded() -> float:
    documents = metrics.drain()
    return sum(sum(doc.get(metric_names.MODEL_LOAD_FAILURE.name, [])) for doc in documents)


def test_an_unsigned_version_is_refused_and_the_signed_one_keeps_serving(
    local_store: LocalStore, sentiment_model_dir: Path, tmp_path: Path
) -> None:
    # GIVEN a registry serving a signed version
    registry = ModelRegistry(local_store, settings_for(local_store))
    assert registry.refresh()
    serving = registry.default().version
    metrics.drain()
    # WHEN a version with no signature is written straight into the store and aliased
    publish(versioned(sentiment_model_dir, tmp_path, "unsigned-1"), local_store, alias=None)
    (local_store.root / NAME / "unsigned-1" / SIGNATURE_FILENAME).unlink()
    local_store.set_alias(NAME, "production", "unsigned-1")
    registry.refresh()
    # THEN it is refused like a tampered one, and the signed version stays
    assert registry.default().version == serving
    assert failures_recorded() == 1
    with pytest.raises(UnsignedRelease):
        read_signed_manifest(local_store, NAME, "unsigned-1", settings_for(local_store))


def test_a_version_signed_by_another_key_or_edited_after_signing_is_refused(
    local_store: LocalStore, sentiment_model_dir: Path, tmp_path: Path
) -> None:
    settings = settings_for(local_store)
    # Signed by a key pair that is not the release key
    stranger = LocalSigner(tmp_path / "stranger-keys")
    publish(versioned(sentiment_model_dir, tmp_path, "stranger-1"), local_store, None, stranger)
    with pytest.raises(WrongSignature, match="not signed by the release key"):
        read_signed_manifest(local_store, NAME, "stranger-1", settings)
    # Signed by the release key, then the manifest edited (e.g. its sha256 swapped)
    publish(versioned(sentiment_model_dir, tmp_path, "edited-1"), local_store, alias=None)
    path = local_store.root / NAME / "edited-1" / "manifest.json"
    path.write_text(path.read_text().replace('"edited-1"', '"edited-1" '))
    with pytest.raises(WrongSignature):
        read_signed_manifest(local_store, NAME, "edited-1", settings)
    # A garbled envelope is a refusal, not a crash
    sig = local_store.root / NAME / "edited-1" / SIGNATURE_FILENAME
    sig.write_text("not json")
    with pytest.raises(WrongSignature, match="not readable"):
        read_signed_manifest(local_store, NAME, "edited-1", settings)


def test_unsigned_versions_load_only_where_signatures_are_not_required(
    local_store: LocalStore, sentiment_model_dir: Path, tmp_path: Path
) -> None:
    publish(versioned(sentiment_model_dir, tmp_path, "legacy-1"), local_store, alias=None)
    (local_store.root / NAME / "legacy-1" / SIGNATURE_FILENAME).unlink()
    relaxed = settings_for(local_store, require_signed_models=False)
    assert read_signed_manifest(local_store, NAME, "legacy-1", relaxed).version == "legacy-1"


def test_publishing_again_signs_a_store_written_before_signing(
    local_store: LocalStore, sentiment_model_dir: Path, tmp_path: Path
) -> None:
    directory = versioned(sentiment_model_dir, tmp_path, "old-1")
    publish(directory, local_store, alias=None)
    (local_store.root / NAME / "old-1" / SIGNATURE_FILENAME).unlink()
    publish(directory, local_store, alias=None)
    assert read_signed_manifest(local_store, NAME, "old-1", settings_for(local_store))


# --- KMS: the deployed path, with moto --------------------------------------------------


@pytest.fixture
def kms_key() -> Iterator[str]:
    with mock_aws():
        kms = boto3.client("kms", region_name="us-east-1")
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        release_signing._verifier.cache_clear()
        yield key["Arn"]
        release_signing._verifier.cache_clear()


def test_kms_signed_versions_serve_and_unsigned_ones_do_not(
    kms_key: str,
    local_store: LocalStore,
    sentiment_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a store whose versions are signed by the KMS release key
    store = LocalStore(tmp_path / "kms-store")
    publish(
        versioned(sentiment_model_dir, tmp_path, "kms-1"), store, "production", KmsSigner(kms_key)
    )
    settings = Settings(model_dir=store.root, model_signing_key_id=kms_key)
    calls: list[str] = []
    fetch = release_signing.kms_public_key

    def counted_fetch(key_id: str) -> bytes:
        calls.append(key_id)
        return fetch(key_id)

    monkeypatch.setattr(release_signing, "kms_public_key", counted_fetch)
    # WHEN a registry verifying with that key loads it
    registry = ModelRegistry(store, settings)
    assert registry.refresh()
    assert registry.default().version == "kms-1"
    # THEN a version signed by the local key, or unsigned, is refused
    publish(versioned(sentiment_model_dir, tmp_path, "local-1"), store, alias=None)
    with pytest.raises(WrongSignature):
        read_signed_manifest(store, NAME, "local-1", settings)
    (store.root / NAME / "local-1" / SIGNATURE_FILENAME).unlink()
    with pytest.raises(UnsignedRelease):
        read_signed_manifest(store, NAME, "local-1", settings)
    # AND the public key was fetched from KMS once for all of these checks
    publish(
        versioned(sentiment_model_dir, tmp_path, "kms-2"), store, "production", KmsSigner(kms_key)
    )
    registry.refresh()
    assert registry.default().version == "kms-2"
    assert calls == [kms_key]
