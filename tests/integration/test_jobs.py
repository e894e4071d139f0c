"""Bulk jobs end to end: 100,000 records through the local runner over a moto S3 server, and the
sample Distributed Map child events replayed in-process and through the Lambda emulator."""

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from handlers.cli.jobs.runner import run_job
from handlers.cli.replay import RIE_PATH, compare, load_events
from model_build.release.publish import publish
from shared.jobs.spec import JobSettings
from shared.store.local import LocalStore
from shared.store.s3 import S3Store
from tests.support.inprocess import serving
from tests.support.servers import moto_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RECORDS = 100_000
DISTINCT_TEXTS = 400
WORDS = ["love", "hate", "great", "awful", "fine", "slow", "fast", "broken", "perfect", "refund"]


def texts() -> list[str]:
    """A few hundred distinct texts, so every record's label can be checked against the API."""
    n = len(WORDS)
    return [
        f"{WORDS[i % n]} {WORDS[(i // n) % n]} and {WORDS[(i * 7) % n]} #{i}"
        for i in range(DISTINCT_TEXTS)
    ]


def record(i: int, pool: list[str]) -> tuple[Any, str | None]:
    """The i-th input record and the error it must get (None: it must be predicted)."""
    if i % 997 == 0:
        return {"id": f"t{i}", "text": "   "}, "text must not be empty or whitespace only"
    if i % 991 == 0:
        return {"id": f"t{i}", "body": pool[i % DISTINCT_TEXTS]}, "field required"
    if i % 983 == 0:
        return [pool[0], "extra"], "a row holds 1 values (text), got 2"
    keyed = {"id": f"t{i}"} if i % 3 else {}  # every third record is keyed by its line number
    return {**keyed, "text": pool[i % DISTINCT_TEXTS], "shop": i % 5}, None


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_server() as url:
        # Worker processes inherit the environment: they reach the same moto server.
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        yield url


def second_version(model_dir: Path, target: Path) -> Path:
    """The same artifact published as another version: what a moved alias would point at."""
    shutil.copytree(model_dir, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["version"] = "moved-mid-job"
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def read_parts(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = sorted(o["Key"] for page in pages for o in page.get("Contents", []))
    return [
        json.loads(line)
        for key in keys
        for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines()
    ]


def test_100k_records_each_answered_once_with_the_pinned_version(
    s3_endpoint: str, sentiment_model_dir: Path, tmp_path: Path, local_store: LocalStore
) -> None:
    # GIVEN a model store and 100,000 JSONL records (some invalid) in S3
    s3 = boto3.client("s3")
    for bucket in ("models", "jobs"):
        s3.create_bucket(Bucket=bucket)
    store = S3Store("models", "models")
    v1 = publish(sentiment_model_dir, store, alias="production").version
    publish(second_version(sentiment_model_dir, tmp_path / "v2"), store, alias=None)
    pool = texts()
    cases = [record(i, pool) for i in range(RECORDS)]
    body = "".join(json.dumps(r) + "\n" for r, _ in cases).encode()
    s3.put_object(Bucket="jobs", Key="input/day.jsonl", Body=body)
    moved: list[int] = []

    def move_alias(done_batches: int) -> None:
        if not moved:  # the alias moves while the job runs
            store.set_alias("sentiment", "production", "moved-mid-job")
            moved.append(done_batches)

    # WHEN the job runs locally on two processes
    summary = run_job(
        store,
        input_uri="s3://jobs/input/day.jsonl",
        output_uri="s3://jobs/output/day",
        model="sentiment@production",
        settings=JobSettings(keep=["shop"], max_items_per_batch=2000),
        workers=2,
        on_batch=move_alias,
    )
    lines = read_parts(s3, "jobs", "output/day/parts/")
    # THEN every record is answered exactly once, at its key, in input order
    assert len(lines) == RECORDS and [line["position"] for line in lines] == list(range(RECORDS))
    expected_keys = [
        r["id"] if isinstance(r, dict) and "id" in r else i for i, (r, _) in enumerate(cases)
    ]
    assert [line["key"] for line in lines] == expected_keys
    # AND invalid records are errors saying why; valid ones are predicted, with kept fields
    for line, (rec, error) in zip(lines, cases, strict=True):
        if error:
            assert error in json.dumps(line["error"]), line
        else:
            assert "error" not in line and line["fields"] == {"shop": rec["shop"]}
    # AND labels equal what the batch route answers for the same texts
    with serving(local_store) as client:
        route: dict[str, str] = {}
        for start in range(0, DISTINCT_TEXTS, 200):
            chunk = pool[start : start + 200]
            answer = client.post(
                "/models/sentiment/predict/batch", json={"items": [{"text": t} for t in chunk]}
            )
            assert answer.status_code == 200, answer.text
            route.update(
                {
                    t: r["prediction"]["label"]
                    for t, r in zip(chunk, answer.json()["results"], strict=True)
                }
            )
    job_labels = {
        cases[line["position"]][0]["text"]: line["prediction"]["label"]
        for line in lines
        if "prediction" in line
    }
    assert job_labels == route
    # AND the summary adds up; the alias moved mid-job, yet every batch used the pinned version
    errors = sum(1 for _, e in cases if e)
    assert summary["records"] == RECORDS and summary["errors"] == errors
    assert summary["predicted"] == RECORDS - errors == sum(summary["labels"].values())
    assert summary["labels"] == dict(
        sorted(
            Counter(line["prediction"]["label"] for line in lines if "prediction" in line).items()
        )
    )
    assert moved and store.alias_version("sentiment", "production") == "moved-mid-job"
    assert summary["model"]["version"] == v1 and summary["batch_model_versions"] == [v1]
    assert summary["status"] == "SUCCEEDED" and summary["batches"]["total"] == RECORDS // 2000
    assert (
        json.loads(s3.get_object(Bucket="jobs", Key="output/day/summary.json")["Body"].read())
        == summary
    )


BATCH_EVENTS = ROOT / "events" / "batch"


@pytest.mark.parametrize("mode", ["in-process", "rie"])
def test_sample_batch_events_replay_as_expected(mode: str, local_store: LocalStore) -> None:
    # GIVEN the sample Distributed Map child events and a store with the model
    if mode == "rie" and not (ROOT / RIE_PATH).exists():
        pytest.fail(f"{RIE_PATH} is missing: run `make rie`")
    argv = [
        sys.executable,
        "-m",
        "handlers.cli.main",
        "invoke",
        str(BATCH_EVENTS),
        *(["--rie"] if mode == "rie" else []),
    ]
    env = {**os.environ, "MODEL_DIR": str(local_store.root)}
    # WHEN replayed through the batch entry point
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    # THEN every response is the one its file expects
    responses = json.loads(done.stdout)
    cases = load_events(BATCH_EVENTS)
    assert {c.name: compare(responses[c.name], c.expected or {}) for c in cases} == {
        c.name: [] for c in cases
    }
    assert done.returncode == 0, done.stderr[-2000:]
