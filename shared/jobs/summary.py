"""The end of a job: answer the records of failed batches, add up the counts, write the summary.

Batch outcomes come from the local runner or from Distributed Map's ResultWriter files; either
way a failed batch's records still get one error line each, so every input record appears
exactly once in the parts. The job fails when failed batches exceed the tolerated share, as
the Map state itself does on AWS.
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.jobs.layout import PARTS_DIR, SUMMARY_KEY, jsonl, part_key
from shared.jobs.scoring import record_key
from shared.jobs.spec import JobSpec
from shared.store import ModelStore


@dataclass
class FailedBatch:
    """A batch whose child failed (after its retries): its items and why."""

    items: list[dict[str, Any]]
    error: str
    cause: str = ""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def answer_failed(job: JobSpec, out: ModelStore, failed: FailedBatch) -> None:
    """Error lines for a failed batch's records, under its own part key (a part the child did
    write before failing is replaced: Step Functions counts the batch as failed)."""
    if not failed.items:
        return
    message = f"batch failed: {failed.error}" + (f": {failed.cause[:500]}" if failed.cause else "")
    lines = [
        {
            "key": record_key(item.get("record"), int(item["position"]), job.id_field),
            "position": int(item["position"]),
            "error": [{"loc": [], "msg": message}],
        }
        for item in failed.items
    ]
    out.write(part_key(lines[0]["position"]), jsonl(lines))


def summarize(
    job: JobSpec,
    outcomes: list[dict[str, Any]],
    failed: list[FailedBatch],
    ended_at: str | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary; `error` (the Map state's own failure, e.g. an unreadable input) fails it."""
    ended = ended_at or now_iso()
    labels: Counter[str] = Counter()
    for outcome in outcomes:
        labels.update(outcome.get("labels", {}))
    record_errors = sum(int(o.get("errors", 0)) for o in outcomes)
    failed_records = sum(len(f.items) for f in failed)
    records = sum(int(o.get("records", 0)) for o in outcomes) + failed_records
    batches = len(outcomes) + len(failed)
    failed_share = 100.0 * len(failed) / batches if batches else 0.0
    seconds = max(_parse(ended) - _parse(job.started_at), 1e-9)
    predicted = sum(labels.values())
    if error is None and not predicted:  # a job that scored nothing did not do its work
        cause = "every record failed" if records else "the input holds no record"
        error = {"Error": "NothingScored", "Cause": cause}
    failed_job = error is not None or failed_share > job.tolerated_failure_percent
    return {
        "job_id": job.job_id,
        "status": "FAILED" if failed_job else "SUCCEEDED",
        **({"error": error} if error else {}),
        "model": {
            "name": job.model.name,
            "version": job.model_version,
            "requested": job.requested_model,
        },
        "input": job.input,
        "output": job.output,
        "format": job.format,
        "records": records,
        "predicted": predicted,
        "errors": record_errors + failed_records,
        "record_errors": record_errors,
        "failed_batch_records": failed_records,
        "labels": dict(sorted(labels.items())),
        # What the batches themselves report: the one pinned version, or the job was not sound.
        "batch_model_versions": sorted({str(o.get("model_version")) for o in outcomes}),
        "batches": {
            "total": batches,
            "failed": len(failed),
            "failed_percent": round(failed_share, 3),
            "tolerated_failure_percent": job.tolerated_failure_percent,
        },
        "parts_prefix": f"{PARTS_DIR}/",
        "started_at": job.started_at,
        "ended_at": ended,
        "seconds": round(seconds, 3),
        "records_per_second": round(records / seconds, 1),
    }


def finish(
    job: JobSpec,
    out: ModelStore,
    outcomes: list[dict[str, Any]],
    failed: list[FailedBatch],
    ended_at: str | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    for batch in failed:
        answer_failed(job, out, batch)
    summary = summarize(job, outcomes, failed, ended_at, error)
    out.write(SUMMARY_KEY, json.dumps(summary, indent=2).encode())
    return summary


def _parse(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
