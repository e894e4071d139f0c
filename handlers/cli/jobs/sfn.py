"""Submit a job to the deployed state machine and read its progress: `inferno jobs submit|status`.

The execution input is the job request; the state machine's first step pins the model version
(the same `start_job` as the local runner), its Distributed Map scores the batches, its last
step writes the summary, which is also the execution's output.
"""

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from shared.jobs.locations import Location, input_objects
from shared.jobs.spec import JobSettings, JobSpecError, ModelRef, input_format

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SFNClient = Any  # boto3's Step Functions client (no stubs installed for it)
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def job_request(
    input_uri: str,
    output_uri: str,
    model: str,
    fmt: str | None,
    settings: JobSettings,
    s3: "S3Client",
) -> dict[str, Any]:
    """The execution input: validated here so a typo fails at the prompt, not in AWS."""
    source, target = Location.parse(input_uri), Location.parse(output_uri)
    if not source.bucket or not target.bucket:
        raise JobSpecError("on AWS both INPUT and OUTPUT must be s3://bucket/key locations")
    if not input_objects(input_uri, s3):
        raise JobSpecError(f"no input objects at {input_uri}")
    return {
        "input": input_uri,
        "output": output_uri.rstrip("/"),
        "model": str(ModelRef.parse(model)),
        "format": input_format(input_uri, fmt),
        "settings": settings.model_dump(),
    }


def submit(client: SFNClient, state_machine_arn: str, request: dict[str, Any]) -> str:
    """Start an execution; its ARN is the job's id."""
    model = _NAME_UNSAFE.sub("-", request["model"])
    name = f"{model}-{uuid.uuid4().hex[:12]}"[:80]
    answer = client.start_execution(
        stateMachineArn=state_machine_arn, name=name, input=json.dumps(request)
    )
    return str(answer["executionArn"])


def status(client: SFNClient, execution_arn: str) -> dict[str, Any]:
    """The execution's state, each map run's item and batch counts, and the summary at the end."""
    execution = client.describe_execution(executionArn=execution_arn)
    report: dict[str, Any] = {
        "job_id": execution_arn,
        "status": execution["status"],
        "started_at": _iso(execution.get("startDate")),
        "stopped_at": _iso(execution.get("stopDate")),
        "map_runs": [],
    }
    for run in client.list_map_runs(executionArn=execution_arn).get("mapRuns", []):
        described = client.describe_map_run(mapRunArn=run["mapRunArn"])
        report["map_runs"].append(
            {
                "map_run_arn": run["mapRunArn"],
                "status": described.get("status"),
                "records": _counts(described.get("itemCounts", {})),
                "batches": _counts(described.get("executionCounts", {})),
            }
        )
    if execution.get("output"):
        report["summary"] = json.loads(execution["output"])
    if execution.get("error"):
        report["error"] = {"error": execution["error"], "cause": execution.get("cause", "")}
    return report


def _counts(counts: dict[str, Any]) -> dict[str, int]:
    names = ("total", "pending", "running", "succeeded", "failed", "timedOut", "aborted")
    return {name: int(counts.get(name, 0)) for name in names}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
