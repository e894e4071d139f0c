"""Start a job: pin the model version once and record the job before any batch runs."""

import json

from shared.jobs import models
from shared.jobs.layout import JOB_KEY
from shared.jobs.locations import output_store
from shared.jobs.spec import JobSettings, JobSpec, ModelRef, input_format
from shared.jobs.summary import now_iso
from shared.store import ModelStore


def start_job(
    store: ModelStore,
    *,
    job_id: str,
    input_uri: str,
    output_uri: str,
    model: str,
    fmt: str | None = None,
    settings: JobSettings | None = None,
) -> JobSpec:
    """The job with its model version resolved now: moving the alias later changes nothing."""
    requested = ModelRef.parse(model)
    job = JobSpec(
        **(settings or JobSettings()).model_dump(),
        job_id=job_id,
        input=input_uri,
        output=output_uri.rstrip("/"),
        format=input_format(input_uri, fmt),
        model=models.resolve(store, requested),
        requested_model=str(requested),
        started_at=now_iso(),
    )
    output_store(job.output).write(JOB_KEY, json.dumps(job.model_dump(), indent=2).encode())
    return job
