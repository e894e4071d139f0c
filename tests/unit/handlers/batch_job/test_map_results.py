"""The finish step's search for the map's results, against moto's S3 and a local folder: it
finds its own execution's newest results, or none, without crashing."""

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.batch_job.map_results import manifest_key, results_prefix


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="jobs")
        yield client


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
