"""AWS Lambda entry of bulk jobs: the steps of the batch-scoring state machine.

Set the function's handler to `handlers.batch_job.handler`. It takes three inputs:
- a Distributed Map child's batch, `{"Items": [{"position", "record"}], "BatchInput": {"job"}}`:
  scores it, writes its part, returns per-record results and counts;
- `{"step": "start", "request": {...}, "execution": ARN}`: pins the model version, records the job,
  rewrites the input as the JSONL of items the map reads (handlers/batch_job/presplit.py);
- `{"step": "finish", "job": {...}, "map": {...}}`: reads the map's results, answers failed
  batches, writes and returns the summary.
Only Powertools and the job's light modules load at init; the store and the model load on the
first invocation that needs them (and stay for the environment's later ones).
"""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger, metric_names, metrics, tracer
from shared.settings import get_settings
from shared.store import ModelStore, store_from_settings

LambdaEvent = dict[str, Any]


@cache
def model_store() -> ModelStore:
    return store_from_settings(get_settings())


def score(event: LambdaEvent) -> dict[str, Any]:
    from shared.jobs.batch import run_batch

    outcome = run_batch(event, model_store(), get_settings().max_text_length)
    model = event["BatchInput"]["job"]["model"]["name"]
    for label, count in outcome["labels"].items():
        metrics.add(metric_names.PREDICTION_COUNT, count, model=model, label=label)
    logger.info(
        "batch scored",
        extra={key: outcome[key] for key in ("part", "records", "errors", "model_version")},
    )
    return outcome


def start(event: LambdaEvent) -> dict[str, Any]:
    from handlers.batch_job.map_results import results_prefix
    from handlers.batch_job.presplit import write_items
    from shared.jobs.locations import Location
    from shared.jobs.spec import JobSettings
    from shared.jobs.start import start_job

    request = event["request"]
    job = start_job(
        model_store(),
        job_id=str(event.get("execution") or "unnamed"),
        input_uri=request["input"],
        output_uri=request["output"],
        model=request["model"],
        fmt=request.get("format"),
        settings=JobSettings.model_validate(request.get("settings") or {}),
    )
    # The map reads records from our own JSONL, never the raw input (presplit.py, beside this).
    items = write_items(job)
    output = Location.parse(job.output)
    logger.info("job started", extra={"job_id": job.job_id, "model": str(job.model)})
    return {
        "job": job.model_dump(),
        "reader": {"Bucket": items.bucket, "Key": items.key},
        "writer": {"Bucket": output.bucket, "Prefix": results_prefix(job.output, job.job_id)},
    }


def finish(event: LambdaEvent) -> dict[str, Any]:
    from handlers.batch_job.map_results import manifest_key, read_results
    from shared.jobs.locations import output_store
    from shared.jobs.spec import JobSpec
    from shared.jobs.summary import finish as finish_job

    job = JobSpec.model_validate(event["job"])
    details = (event.get("map") or {}).get("ResultWriterDetails")
    found = manifest_key(job.output, job.job_id, details)
    # No manifest: the map failed before writing results (its error is in `map_error`).
    outcomes, failed = read_results(*found) if found else ([], [])
    summary = finish_job(
        job, output_store(job.output), outcomes, failed, error=event.get("map_error")
    )
    logger.info("job finished", extra={"job_id": job.job_id, "status": summary["status"]})
    return summary


def route(event: LambdaEvent) -> dict[str, Any]:
    """The step this event is: a map child has `Items`; the others name their `step`."""
    if "Items" in event:
        return score(event)
    steps = {"start": start, "finish": finish}
    step = steps.get(str(event.get("step")))
    if step is None:
        raise ValueError(f"not a batch-job event: keys {sorted(event)}")
    return step(event)


def respond(event: LambdaEvent) -> dict[str, Any]:
    """One invocation; buffered metrics flushed whatever happens."""
    try:
        return route(event)
    finally:
        metrics.flush()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
    return respond(event)
