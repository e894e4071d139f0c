"""The end of a job: failed batches still answer each record, counts add up, and the job fails
past the tolerated share of failed batches or when nothing was scored."""

import json
from pathlib import Path

from shared.jobs.layout import SUMMARY_KEY, part_key
from shared.jobs.spec import JobSpec, ModelRef
from shared.jobs.summary import FailedBatch, finish, summarize
from shared.store.local import LocalStore

JOB = JobSpec(
    job_id="j1",
    input="in.jsonl",
    output="out",
    format="jsonl",
    model=ModelRef(name="sentiment", version="v1"),
    requested_model="sentiment@production",
    started_at="2026-01-05T09:00:00.000Z",
    tolerated_failure_percent=50,
)
ENDED = "2026-01-05T09:00:10.000Z"


def outcome(records: int, errors: int, pos: int) -> dict[str, object]:
    return {"records": records, "errors": errors, "labels": {"pos": pos}, "model_version": "v1"}


def test_a_failed_batch_answers_every_record_and_the_counts_add_up(tmp_path: Path) -> None:
    out = LocalStore(tmp_path)
    failed = FailedBatch([{"record": {"id": "a"}, "position": 7}, {"position": 8}], "Timeout")
    summary = finish(JOB, out, [outcome(5, 1, 4)], [failed], ENDED)
    lines = [json.loads(line) for line in out.read(part_key(7)).splitlines()]
    assert [(line["key"], line["position"]) for line in lines] == [("a", 7), (8, 8)]
    assert lines[0]["error"] == [{"loc": [], "msg": "batch failed: Timeout"}]
    assert json.loads(out.read(SUMMARY_KEY)) == summary
    assert summary["status"] == "SUCCEEDED"  # one failed batch of two: 50% is tolerated
    assert (summary["records"], summary["predicted"], summary["errors"]) == (7, 4, 3)
    assert summary["batches"] == {
        "total": 2,
        "failed": 1,
        "failed_percent": 50.0,
        "tolerated_failure_percent": 50,
    }
    assert summary["seconds"] == 10.0 and summary["records_per_second"] == 0.7


def test_more_failed_batches_than_tolerated_fail_the_job() -> None:
    failed = [FailedBatch([{"position": p}], "Timeout") for p in (0, 1)]
    summary = summarize(JOB, [outcome(1, 0, 1)], failed, ENDED)
    assert summary["status"] == "FAILED" and summary["batches"]["failed_percent"] == 66.667


def test_a_job_that_scored_nothing_failed_and_says_why() -> None:
    every_record_failed = summarize(JOB, [outcome(3, 3, 0)], [], ENDED)
    assert every_record_failed["status"] == "FAILED"
    assert every_record_failed["error"] == {
        "Error": "NothingScored",
        "Cause": "every record failed",
    }
    empty = summarize(JOB, [], [], ENDED)
    assert empty["error"]["Cause"] == "the input holds no record"
