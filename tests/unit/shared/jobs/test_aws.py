"""`inferno jobs submit|status` and the state machine's last step, without AWS.

moto's Step Functions takes the real definition, starts and describes executions; it does not
run Distributed Map over JSONL nor report map runs, so the map-run calls of `status` are checked
against botocore's Stubber with the documented response shapes.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from handlers import batch_job
from handlers.cli.jobs.sfn import job_request, status, submit
from handlers.cli.replay import LocalLambdaContext
from shared.jobs.layout import SUMMARY_KEY
from shared.jobs.spec import JobSettings, JobSpec, ModelRef

ASL = Path(__file__).resolve().parents[4] / "iac" / "state_machines" / "batch_scoring.asl.json"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:inferno-dev-batch-job"
ROLE = "arn:aws:iam::123456789012:role/inferno-dev-batch-scoring"


def rendered_definition() -> str:
    """What Terraform's templatefile makes of the definition."""
    text = ASL.read_text().replace("${function_arn}", FUNCTION)
    return text.replace("${max_concurrency}", "100")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="jobs")
        yield


def test_a_request_names_an_input_that_exists(aws: None) -> None:
    # GIVEN an input object and a folder of inputs in S3
    s3 = boto3.client("s3")
    s3.put_object(Bucket="jobs", Key="input/day.jsonl", Body=b"{}\n")
    s3.put_object(Bucket="jobs", Key="input/year/01.csv", Body=b"text\nx\n")
    # WHEN requests are built THEN the format, model and output are settled at the prompt
    one = job_request(
        "s3://jobs/input/day.jsonl", "s3://jobs/output/a/", "sentiment", None, JobSettings(), s3
    )
    many = job_request(
        "s3://jobs/input/year", "s3://jobs/output/b", "sentiment:3", "csv", JobSettings(), s3
    )
    assert (one["input"], one["format"], one["model"]) == (
        "s3://jobs/input/day.jsonl",
        "jsonl",
        "sentiment@production",
    )
    assert (many["format"], many["model"]) == ("csv", "sentiment:3")
    assert one["output"] == "s3://jobs/output/a"
    with pytest.raises(Exception, match="s3://bucket/key"):
        job_request("local/in.jsonl", "s3://jobs/out", "sentiment", None, JobSettings(), s3)
    # AND a typo fails at the prompt, not in AWS
    with pytest.raises(Exception, match="no input objects"):
        job_request(
            "s3://jobs/input/dya.jsonl", "s3://jobs/o", "sentiment", None, JobSettings(), s3
        )


def test_submit_starts_an_execution_of_the_deployed_definition(aws: None) -> None:
    # GIVEN the state machine created from the rendered definition (as Terraform does)
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="inferno-dev-batch-scoring", definition=rendered_definition(), roleArn=ROLE
    )["stateMachineArn"]
    request = {
        "input": "s3://jobs/input/day.jsonl",
        "model": "sentiment@production",
        "output": "s3://jobs/out",
    }
    # WHEN a job is submitted
    execution = submit(sfn, arn, request)
    # THEN an execution of that machine runs with the request as its input, and status reports it
    described = sfn.describe_execution(executionArn=execution)
    assert json.loads(described["input"]) == request
    assert described["name"].startswith("sentiment-production-")
    report = status(sfn, execution)
    assert report["job_id"] == execution and report["status"] in {"RUNNING", "SUCCEEDED"}


def test_status_shows_map_run_counts_and_the_summary_at_the_end() -> None:
    # GIVEN an execution that finished, with one map run (responses as the API documents them)
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    execution = "arn:aws:states:us-east-1:1:execution:m:job-1"
    map_run = "arn:aws:states:us-east-1:1:mapRun:m/ScoreJsonl:abc"
    summary = {"status": "SUCCEEDED", "records": 2500, "labels": {"positive": 2400}}
    started = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    counts = {
        "pending": 0,
        "running": 0,
        "succeeded": 2500,
        "failed": 0,
        "timedOut": 0,
        "aborted": 0,
        "total": 2500,
        "resultsWritten": 2500,
    }
    batches = {**counts, "succeeded": 3, "total": 3, "resultsWritten": 3}
    with Stubber(sfn) as stub:
        stub.add_response(
            "describe_execution",
            {
                "executionArn": execution,
                "stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:m",
                "status": "SUCCEEDED",
                "startDate": started,
                "stopDate": started,
                "output": json.dumps(summary),
            },
            {"executionArn": execution},
        )
        stub.add_response(
            "list_map_runs",
            {
                "mapRuns": [
                    {
                        "executionArn": execution,
                        "mapRunArn": map_run,
                        "stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:m/ScoreJsonl",
                        "startDate": started,
                    }
                ]
            },
            {"executionArn": execution},
        )
        stub.add_response(
            "describe_map_run",
            {
                "mapRunArn": map_run,
                "executionArn": execution,
                "status": "SUCCEEDED",
                "startDate": started,
                "maxConcurrency": 100,
                "toleratedFailurePercentage": 5.0,
                "toleratedFailureCount": 0,
                "itemCounts": counts,
                "executionCounts": batches,
            },
            {"mapRunArn": map_run},
        )
        # WHEN its status is asked
        report = status(sfn, execution)
    # THEN records and batches are counted per map run and the summary is there
    assert report["map_runs"][0]["records"]["succeeded"] == 2500
    assert report["map_runs"][0]["batches"] == {
        **{k: 0 for k in ("pending", "running", "failed", "timedOut", "aborted")},
        "succeeded": 3,
        "total": 3,
    }
    assert report["summary"] == summary


def _started_job() -> JobSpec:
    return JobSpec(
        job_id="arn:exec",
        input="s3://jobs/input/day.jsonl",
        output="s3://jobs/output/j",
        format="jsonl",
        model=ModelRef(name="sentiment", version="v1"),
        requested_model="sentiment@production",
        started_at="2026-01-05T09:00:00.000Z",
        tolerated_failure_percent=50,
    )


def test_the_last_step_reads_the_result_writer_files_and_answers_failed_batches(aws: None) -> None:
    # GIVEN ResultWriter's manifest and files for one succeeded and one failed child
    s3 = boto3.client("s3")
    job = _started_job()
    ok = {
        "part": "parts/part-000000000000.jsonl",
        "first_position": 0,
        "model_version": "v1",
        "records": 2,
        "errors": 1,
        "labels": {"positive": 1},
    }
    failed_input = {
        "Items": [{"position": 2, "record": {"id": "z", "text": "x"}}],
        "BatchInput": {},
    }
    # (COMPACT: a succeeded child is its output; a failed one keeps Input, Error and Cause)
    base = "output/j/_map/exec/run-1"
    files = {
        f"{base}/SUCCEEDED_0.json": [ok],
        f"{base}/FAILED_0.json": [
            {
                "Status": "FAILED",
                "Input": json.dumps(failed_input),
                "Error": "Lambda.Unknown",
                "Cause": "out of memory",
            }
        ],
    }
    manifest = {
        "ResultFiles": {
            "SUCCEEDED": [{"Key": f"{base}/SUCCEEDED_0.json", "Size": 1}],
            "FAILED": [{"Key": f"{base}/FAILED_0.json", "Size": 1}],
            "PENDING": [],
        }
    }
    for key, body in {**files, f"{base}/manifest.json": manifest}.items():
        s3.put_object(Bucket="jobs", Key=key, Body=json.dumps(body).encode())
    details = {"Bucket": "jobs", "Key": f"{base}/manifest.json"}
    event = {"step": "finish", "job": job.model_dump(), "map": {"ResultWriterDetails": details}}
    # WHEN the state machine's last step runs
    summary = batch_job.handler(event, LocalLambdaContext())
    # THEN the failed batch's record is answered with its error, and the summary adds up
    part = s3.get_object(Bucket="jobs", Key="output/j/parts/part-000000000002.jsonl")["Body"].read()
    line = json.loads(part)
    assert (
        line["key"] == "z"
        and "batch failed: Lambda.Unknown: out of memory" in line["error"][0]["msg"]
    )
    assert summary["records"] == 3 and summary["errors"] == 2 and summary["status"] == "SUCCEEDED"
    assert summary["batches"] == {
        "total": 2,
        "failed": 1,
        "failed_percent": 50.0,
        "tolerated_failure_percent": 50.0,
    }
    written = s3.get_object(Bucket="jobs", Key=f"output/j/{SUMMARY_KEY}")["Body"].read()
    assert json.loads(written) == summary
    # AND when the map itself failed, the summary says so (found by listing the map results)
    failed_event: dict[str, Any] = {
        "step": "finish",
        "job": job.model_dump(),
        "map_error": {"Error": "States.ExceededToleratedFailureThreshold"},
    }
    assert batch_job.handler(failed_event, LocalLambdaContext())["status"] == "FAILED"


def test_an_unknown_event_is_refused(aws: None) -> None:
    with pytest.raises(ValueError, match="not a batch-job event"):
        batch_job.handler({"hello": 1}, LocalLambdaContext())
