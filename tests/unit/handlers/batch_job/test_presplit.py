"""StartJob's pre-split and the finish step's search for results, against moto's S3.

On AWS the map reads StartJob's items file, not the raw input: these tests pin that a record
the local runner answers with an error line is answered the same way there, that an object is
read alone, and that the finish step finds its own newest results or none without crashing.
"""

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.batch_job.map_results import manifest_key, results_prefix
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


def _put_manifest(s3: Any, key: str) -> None:
    s3.put_object(Bucket="jobs", Key=key, Body=b'{"ResultFiles": {}}')


def test_the_finish_step_reads_its_own_newest_run_and_survives_none(s3: Any) -> None:
    # GIVEN two map runs of this execution, the newer one's id sorting first, plus a run
    # folder without a manifest and another execution's run
    base = results_prefix("s3://jobs/output/j", "arn:aws:states:r:1:execution:m:exec-1")
    assert base == "output/j/_map/exec-1"
    _put_manifest(s3, f"{base}/zzz-older/manifest.json")
    time.sleep(1.1)  # S3 LastModified has a one-second resolution
    _put_manifest(s3, f"{base}/aaa-newer/manifest.json")
    s3.put_object(Bucket="jobs", Key=f"{base}/no-manifest/SUCCEEDED_0.json", Body=b"[]")
    _put_manifest(s3, "output/j/_map/exec-2/zzzz/manifest.json")
    # WHEN the finish step looks for results without ResultWriterDetails (the map failed)
    found = manifest_key("s3://jobs/output/j", "arn:aws:states:r:1:execution:m:exec-1", None)
    # THEN it takes its own newest manifest
    assert found is not None and found[1] == f"{base}/aaa-newer/manifest.json"
    # AND an execution whose map wrote nothing gets None, not an exception
    assert manifest_key("s3://jobs/output/j", "arn:aws:states:r:1:execution:m:exec-3", None) is None


def test_local_results_are_found_by_write_time_too(tmp_path: Path) -> None:
    base = tmp_path / "out" / "_map" / "exec-1"
    for run, age in (("zzz-older", 100), ("aaa-newer", 0)):
        (base / run).mkdir(parents=True)
        manifest = base / run / "manifest.json"
        manifest.write_text("{}")
        stamp = time.time() - age
        os.utime(manifest, (stamp, stamp))
    found = manifest_key(str(tmp_path / "out"), "exec-1", None)
    assert found is not None and found[1] == "_map/exec-1/aaa-newer/manifest.json"
