"""The store interface (ModelStore) behaves the same on a local directory and on S3 (moto)."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.errors import ObjectTooLarge, StoreKeyNotFound
from shared.serving.release_signing import read_signed_manifest
from shared.settings import Settings
from shared.store import ModelStore, NotModified
from shared.store.base import ALIAS_MAX_BYTES, MANIFEST_MAX_BYTES, alias_key
from shared.store.local import LocalStore
from shared.store.s3 import S3Store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "store")
        return
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="models-bucket")
        yield S3Store("models-bucket", "models/prod")


def test_write_then_read_returns_the_bytes(store: ModelStore) -> None:
    store.write("sentiment/v1/model.skops", b"artifact")
    assert store.read("sentiment/v1/model.skops") == b"artifact"


def test_reading_a_missing_key_raises_store_key_not_found(store: ModelStore) -> None:
    with pytest.raises(StoreKeyNotFound):
        store.read("sentiment/v9/manifest.json")


def test_listing_shows_models_versions_and_aliases(store: ModelStore) -> None:
    # GIVEN two versions of one model and one of another
    for key in (
        "sentiment/v1/manifest.json",
        "sentiment/v2/manifest.json",
        "risk/v1/manifest.json",
    ):
        store.write(key, b"{}")
    # WHEN an alias is moved to v2
    store.set_alias("sentiment", "production", "v2")
    # THEN listing tells names, versions and aliases apart
    assert store.model_names() == ["risk", "sentiment"]
    assert store.versions("sentiment") == ["v1", "v2"]
    assert store.aliases("sentiment") == {"production": "v2"}
    assert json.loads(store.read("sentiment/aliases/production.json")) == {"version": "v2"}


def test_rules_beside_the_aliases_are_no_version(store: ModelStore) -> None:
    store.write("sentiment/v1/manifest.json", b"{}")
    store.write("sentiment/rules/escalation.json", b'{"rules": []}')
    assert store.versions("sentiment") == ["v1"]
    with pytest.raises(StoreKeyNotFound):
        store.set_alias("sentiment", "production", "rules")


def test_an_alias_cannot_point_at_a_missing_version(store: ModelStore) -> None:
    store.write("sentiment/v1/manifest.json", b"{}")
    with pytest.raises(StoreKeyNotFound):
        store.set_alias("sentiment", "production", "v7")


def test_conditional_read_costs_nothing_when_unchanged(store: ModelStore) -> None:
    store.write("sentiment/aliases/production.json", b'{"version": "v1"}')
    first = store.read_if_changed("sentiment/aliases/production.json", None)
    assert not isinstance(first, NotModified)
    data, token = first
    assert data == b'{"version": "v1"}'
    assert store.read_if_changed("sentiment/aliases/production.json", token) == NotModified(token)
    store.write("sentiment/aliases/production.json", b'{"version": "v2"}')
    changed = store.read_if_changed("sentiment/aliases/production.json", token)
    assert not isinstance(changed, NotModified)
    assert changed[0] == b'{"version": "v2"}'


class _CountingReads:
    """Bytes read through the stores' file handles and S3 bodies, whichever the store uses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from botocore.response import StreamingBody

        self.total = 0
        real_open, real_body_read = Path.open, StreamingBody.read
        counter = self

        class Handle:
            def __init__(self, inner: Any) -> None:
                self._inner = inner

            def __getattr__(self, name: str) -> Any:
                return getattr(self._inner, name)

            def __enter__(self) -> "Handle":
                return self

            def __exit__(self, *exc: object) -> None:
                self._inner.close()

            def read(self, *args: Any) -> bytes:
                data: bytes = self._inner.read(*args)
                counter.total += len(data)
                return data

        def counting_open(path: Path, *args: Any, **kwargs: Any) -> Any:
            return Handle(real_open(path, *args, **kwargs))

        def counting_body_read(body: Any, *args: Any, **kwargs: Any) -> bytes:
            data: bytes = real_body_read(body, *args, **kwargs)
            counter.total += len(data)
            return data

        monkeypatch.setattr(Path, "open", counting_open)
        monkeypatch.setattr(StreamingBody, "read", counting_body_read)


def test_an_oversized_manifest_signature_or_alias_is_refused_unread(
    store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a version whose manifest is 8 MiB, one whose signature is, and an 8 MiB alias
    huge = b'{"pad": "' + b"x" * (8 << 20) + b'"}'
    store.write("sentiment/big/manifest.json", huge)
    store.write("sentiment/sig/manifest.json", b"{}")
    store.write("sentiment/sig/manifest.sig", huge)
    store.write("sentiment/aliases/production.json", huge)
    reads = _CountingReads(monkeypatch)
    settings = Settings(model_dir=Path("unused"), require_signed_models=False)
    # WHEN each is read as the registry reads it THEN each is refused, naming the limit
    with pytest.raises(ObjectTooLarge, match=f"at most {MANIFEST_MAX_BYTES}"):
        read_signed_manifest(store, "sentiment", "big", settings)
    with pytest.raises(ObjectTooLarge, match=re.escape("manifest.sig")):
        read_signed_manifest(store, "sentiment", "sig", settings)
    with pytest.raises(ObjectTooLarge, match=re.escape("aliases/production.json")):
        store.read_if_changed(alias_key("sentiment", "production"), None, ALIAS_MAX_BYTES)
    with pytest.raises(ObjectTooLarge):
        store.alias_version("sentiment", "production")
    # AND not one of their bytes was read (only the small manifest beside the signature was):
    # the size was enough to refuse each
    assert reads.total == len(b"{}")


def test_objects_within_their_limit_read_whole(store: ModelStore) -> None:
    store.write("sentiment/v1/manifest.json", b"m" * MANIFEST_MAX_BYTES)
    assert store.read("sentiment/v1/manifest.json", MANIFEST_MAX_BYTES) == b"m" * MANIFEST_MAX_BYTES
