"""Read what Distributed Map's ResultWriter wrote: each child's outcome, each failed batch.

`manifest.json` lists result files by status; each file is a JSON array of child executions
with their `Input` and `Output` (or `Error` and `Cause`) as JSON strings.
"""

import json
from typing import Any

from shared.jobs.layout import MAP_RESULTS_DIR
from shared.jobs.locations import Location, output_store
from shared.jobs.summary import FailedBatch
from shared.store import ModelStore, store_from_uri


def manifest_key(job_output: str, details: dict[str, Any] | None) -> tuple[ModelStore, str]:
    """The bucket-rooted store and the manifest key: from the Map state's ResultWriterDetails,
    else (the Map state failed) the newest run under the output's `_map/` folder."""
    where = Location.parse(job_output)
    if details and details.get("Key"):
        return store_from_uri(f"s3://{details['Bucket']}"), str(details["Key"])
    runs = output_store(job_output).list_children(MAP_RESULTS_DIR)
    if not runs:
        raise FileNotFoundError(f"no Distributed Map results under {job_output}/{MAP_RESULTS_DIR}")
    prefix = where.key.strip("/")
    key = f"{prefix}/{MAP_RESULTS_DIR}/{runs[-1]}/manifest.json".lstrip("/")
    return store_from_uri(f"s3://{where.bucket}"), key


def read_results(
    bucket_store: ModelStore, manifest: str
) -> tuple[list[dict[str, Any]], list[FailedBatch]]:
    files = json.loads(bucket_store.read(manifest)).get("ResultFiles", {})
    outcomes: list[dict[str, Any]] = []
    failed: list[FailedBatch] = []
    for entry in files.get("SUCCEEDED", []):
        for execution in json.loads(bucket_store.read(entry["Key"])):
            outcomes.append(json.loads(execution.get("Output") or "{}"))
    for status in ("FAILED", "PENDING"):
        for entry in files.get(status, []):
            for execution in json.loads(bucket_store.read(entry["Key"])):
                items = json.loads(execution.get("Input") or "{}").get("Items", [])
                error = execution.get("Error") or status
                failed.append(FailedBatch(items, str(error), str(execution.get("Cause") or "")))
    return outcomes, failed
