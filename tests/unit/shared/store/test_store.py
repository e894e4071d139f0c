"""The store interface behaves the same on a local directory and on S3 (moto in-process)."""

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.errors import StoreKeyNotFound
from shared.store import ModelStore, NotModified
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


def test_local_store_refuses_keys_that_escape_its_root(tmp_path: Path) -> None:
    with pytest.raises(StoreKeyNotFound):
        LocalStore(tmp_path / "store").read("../../etc/passwd")
