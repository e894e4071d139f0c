"""Read what Distributed Map's ResultWriter wrote: each child's outcome, each failed batch.

Each execution writes below its own folder, `_map/<execution name>/<map run id>/`: a re-run into
the same output never reads another run's files. `manifest.json` lists result files by status.
With `Transformation: COMPACT` a succeeded entry is the child's output itself; a failed one keeps
its `Input`, `Error` and `Cause` (as JSON strings), which is how its records get error lines.
"""

import json
from pathlib import Path
from typing import Any

from shared.jobs.layout import MAP_RESULTS_DIR
from shared.jobs.locations import Location, output_store, s3_client
from shared.jobs.summary import FailedBatch
from shared.store import ModelStore, store_from_uri

MANIFEST = "manifest.json"


def run_name(execution: str | None) -> str:
    """The execution's name (the last `:` field of its ARN): its results folder."""
    return (execution or "unnamed").rsplit(":", 1)[-1]


def results_prefix(job_output: str, execution: str | None) -> str:
    """Where this execution's ResultWriter writes, relative to the output's bucket."""
    where = Location.parse(job_output)
    base = where.key.strip("/") if where.bucket else where.key.rstrip("/")  # S3 keys: no leading /
    return "/".join(part for part in (base, MAP_RESULTS_DIR, run_name(execution)) if part)


def manifest_key(
    job_output: str, execution: str | None, details: dict[str, Any] | None
) -> tuple[ModelStore, str] | None:
    """The store and key of the manifest: from the Map state's ResultWriterDetails, else (the
    Map state failed) the newest manifest in this execution's folder, else None (none written)."""
    if details and details.get("Key"):
        return store_from_uri(f"s3://{details['Bucket']}"), str(details["Key"])
    where = Location.parse(job_output)
    if where.bucket is None:
        folder = Path(where.key) / MAP_RESULTS_DIR / run_name(execution)
        found = sorted(folder.glob(f"*/{MANIFEST}"), key=lambda path: path.stat().st_mtime)
        return (
            (output_store(job_output), found[-1].relative_to(where.key).as_posix())
            if found
            else None
        )
    newest = _newest_s3_manifest(where.bucket, results_prefix(job_output, execution))
    return (store_from_uri(f"s3://{where.bucket}"), newest) if newest else None


def _newest_s3_manifest(bucket: str, prefix: str) -> str | None:
    """By write time, not by name: map run ids do not sort by age."""
    pages = (
        s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/")
    )
    manifests = [
        o for page in pages for o in page.get("Contents", []) if o["Key"].endswith(MANIFEST)
    ]
    return max(manifests, key=lambda o: o["LastModified"])["Key"] if manifests else None


def read_results(
    bucket_store: ModelStore, manifest: str
) -> tuple[list[dict[str, Any]], list[FailedBatch]]:
    files = json.loads(bucket_store.read(manifest)).get("ResultFiles", {})
    outcomes: list[dict[str, Any]] = []
    failed: list[FailedBatch] = []
    for entry in files.get("SUCCEEDED", []):
        for execution in json.loads(bucket_store.read(entry["Key"])):
            outcomes.append(_output(execution))
    for status in ("FAILED", "PENDING"):
        for entry in files.get(status, []):
            for execution in json.loads(bucket_store.read(entry["Key"])):
                items = _json(execution.get("Input")).get("Items", [])
                error = execution.get("Error") or status
                failed.append(FailedBatch(items, str(error), str(execution.get("Cause") or "")))
    return outcomes, failed


def _output(execution: dict[str, Any]) -> dict[str, Any]:
    """COMPACT writes the output itself; NONE wraps it as a JSON string in `Output`."""
    return _json(execution["Output"]) if "Output" in execution else execution


def _json(value: Any) -> dict[str, Any]:
    parsed = json.loads(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, dict) else {}
