"""Where a job reads: a local file or folder and an S3 object or prefix name their objects in key
order, an object never as a prefix; locations parse and join alike on both."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.jobs.locations import Location, input_objects


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="jobs")
        yield client


def test_locations_parse_and_join_for_s3_and_local_paths() -> None:
    remote = Location.parse("s3://jobs/out/day1/")
    assert (remote.bucket, remote.key) == ("jobs", "out/day1/")
    assert remote.child("summary.json") == "s3://jobs/out/day1/summary.json"
    assert Location.parse("s3://jobs").child("a") == "s3://jobs/a"
    local = Location.parse("file:///tmp/out")
    assert (local.bucket, local.key) == (None, "/tmp/out")
    assert local.child("parts") == "/tmp/out/parts"


def test_a_local_folder_is_read_in_key_order_without_hidden_files(tmp_path: Path) -> None:
    for name, data in (("b/2.jsonl", "xx"), ("a.jsonl", "x"), ("b/10.jsonl", ""), (".seen", "")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(data)
    assert input_objects(str(tmp_path)) == [
        (str(tmp_path / "a.jsonl"), 1),
        (str(tmp_path / "b/10.jsonl"), 0),
        (str(tmp_path / "b/2.jsonl"), 2),
    ]
    assert input_objects(str(tmp_path / "a.jsonl")) == [(str(tmp_path / "a.jsonl"), 1)]


def test_an_s3_object_is_read_alone_and_a_prefix_as_a_folder(s3: Any) -> None:
    for key, body in (("in/day.jsonl", b"abc"), ("in/day.jsonl.bak", b"x"), ("in/z/", b"")):
        s3.put_object(Bucket="jobs", Key=key, Body=body)
    assert input_objects("s3://jobs/in/day.jsonl", s3) == [("s3://jobs/in/day.jsonl", 3)]
    assert input_objects("s3://jobs/in", s3) == [
        ("s3://jobs/in/day.jsonl", 3),
        ("s3://jobs/in/day.jsonl.bak", 1),
    ]
    assert input_objects("s3://jobs/other/", s3) == []
