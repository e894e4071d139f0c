"""One Distributed Map child: `{"Items": [...], "BatchInput": {"job": {...}}}` in, a part out.

The part holds every record's full answer; the return value holds the counts the summary adds
up and each record's key with its label or error (dropped past RESULTS_BUDGET_BYTES: a child's
output must stay under Step Functions' 256 KB, and the part has them all anyway).
"""

import json
from functools import lru_cache
from typing import Any

from shared.jobs import models
from shared.jobs.layout import jsonl, part_key
from shared.jobs.locations import output_store
from shared.jobs.scoring import BatchResult, score_batch
from shared.jobs.spec import JobSpec
from shared.store import ModelStore

RESULTS_BUDGET_BYTES = 128_000


def run_batch(event: dict[str, Any], store: ModelStore, max_text_length: int) -> dict[str, Any]:
    job = JobSpec.model_validate(event["BatchInput"]["job"])
    items: list[dict[str, Any]] = list(event.get("Items") or [])
    model = models.load(store, job.model)
    result = score_batch(model, job, items, max_text_length)
    key = part_key(result.first_position)
    _output(job.output).write(key, jsonl(result.lines))
    return outcome(result, key, model.version)


@lru_cache(maxsize=4)
def _output(uri: str) -> ModelStore:
    """One store (one S3 client) per output for the life of the process, not one per batch."""
    return output_store(uri)


def outcome(result: BatchResult, key: str, version: str) -> dict[str, Any]:
    compact = [
        {
            "key": line["key"],
            **({"error": line["error"]} if "error" in line else {"label": result.tallies[index]}),
        }
        for index, line in enumerate(result.lines)
    ]
    fits = len(json.dumps(compact, separators=(",", ":"))) <= RESULTS_BUDGET_BYTES
    return {
        "part": key,
        "first_position": result.first_position,
        "model_version": version,
        "records": result.records,
        "errors": result.errors,
        "labels": dict(sorted(result.labels.items())),
        "results": compact if fits else [],
        "results_omitted": not fits,
    }
