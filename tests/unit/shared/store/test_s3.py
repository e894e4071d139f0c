"""A store in an S3 bucket: its keys under the prefix, and S3's failures as store errors (moto)."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from shared.errors import StoreError, StoreKeyNotFound
from shared.store.s3 import S3Store

BUCKET = "models-bucket"


@pytest.fixture
def s3() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_keys_live_under_the_prefix_however_it_is_written(s3: object) -> None:
    # GIVEN a store whose prefix is written with slashes around it
    store = S3Store(BUCKET, "/models/prod/")
    # WHEN a key is written
    store.write("sentiment/v1/manifest.json", b"{}")
    # THEN it is under the prefix in the bucket, and the store names itself by it
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)
    assert [item["Key"] for item in listed["Contents"]] == [
        "models/prod/sentiment/v1/manifest.json"
    ]
    assert store.describe() == f"s3://{BUCKET}/models/prod"
    assert store.list_children("") == ["sentiment"]


def test_without_a_prefix_keys_sit_at_the_bucket_root(s3: object) -> None:
    store = S3Store(BUCKET)
    store.write("risk/v1/manifest.json", b"{}")
    assert S3Store(BUCKET, "").read("risk/v1/manifest.json") == b"{}"
    assert store.list_children("risk") == ["v1"]


def test_a_missing_bucket_is_a_store_error_not_a_missing_key(s3: object) -> None:
    store = S3Store("no-such-bucket", "models")
    with pytest.raises(StoreError) as raised:
        store.read("sentiment/v1/manifest.json")
    assert not isinstance(raised.value, StoreKeyNotFound)
    assert "s3://no-such-bucket/models" in str(raised.value)
    with pytest.raises(StoreError, match="cannot write"):
        store.write("sentiment/v1/manifest.json", b"{}")
