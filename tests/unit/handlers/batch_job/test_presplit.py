"""StartJob's pre-split, against moto's S3.

On AWS the map reads StartJob's items file, not the raw input: these tests pin that a record
the local runner answers with an error line is answered the same way there, and that an object
is read alone.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.batch_job.presplit import write_items
from shared.jobs.batch import run_batch
from shared.jobs.layout import ITEMS_KEY
from shared.jobs.locations import open_text
from shared.jobs.records import as_items, records
from shared.jobs.start import start_job
from shared.store.local import LocalStore

LINES = [
    '{"id": "a", "text": "I love it"}',
    '{"id": "b", "text": "broken',  # not JSON: one bad line, not a failed job
    "",
    '{"id": "c", "text": "Awful"}',
]


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="jobs")
        yield client


def _items(s3: Any, key: str) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket="jobs", Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def test_a_malformed_line_becomes_an_error_record_on_aws_as_locally(
    s3: Any, local_store: LocalStore, tmp_path: Path
) -> None:
    # GIVEN a JSONL input in S3 with a line that is not JSON
    s3.put_object(Bucket="jobs", Key="input/day.jsonl", Body="\n".join(LINES).encode())
    job = start_job(
        local_store,
        job_id="arn:aws:states:us-east-1:1:execution:m:run-1",
        input_uri="s3://jobs/input/day.jsonl",
        output_uri="s3://jobs/output/day",
        model="sentiment",
    )
    # WHEN StartJob pre-splits it
    target = write_items(job, s3)
    # THEN the map's reader gets only JSON lines: the items the local runner reads, in order
    assert (target.bucket, target.key) == ("jobs", f"output/day/{ITEMS_KEY}")
    items = _items(s3, target.key)
    with open_text("s3://jobs/input/day.jsonl", s3) as handle:
        assert items == list(as_items(records(handle, "jsonl")))
    assert [item["position"] for item in items] == [0, 1, 2]
    # AND the child that gets them answers the bad line with an error record, the others with labels
    outcome = run_batch(
        {"Items": items, "BatchInput": {"job": job.model_dump()}}, local_store, 5000
    )
    assert (outcome["records"], outcome["errors"]) == (3, 1)
    assert [line["key"] for line in outcome["results"] if "error" in line] == [1]  # its position


def test_a_single_object_is_read_as_that_object_not_as_a_prefix(
    s3: Any, local_store: LocalStore
) -> None:
    # GIVEN day.jsonl and, beside it, a backup whose name starts with the same key
    s3.put_object(Bucket="jobs", Key="input/day.jsonl", Body=b'{"text": "one"}\n')
    s3.put_object(Bucket="jobs", Key="input/day.jsonl.bak", Body=b'{"text": "old"}\n' * 5)
    job = start_job(
        local_store,
        job_id="arn:x:run-2",
        input_uri="s3://jobs/input/day.jsonl",
        output_uri="s3://jobs/output/one",
        model="sentiment",
    )
    # WHEN it is pre-split THEN only day.jsonl's record is there
    items = _items(s3, write_items(job, s3).key)
    assert items == [{"position": 0, "record": {"text": "one"}}]
