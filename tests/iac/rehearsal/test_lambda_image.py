"""The image as Lambda runs it: the Dockerfile's ENTRYPOINT behind the real Runtime Interface
Emulator (which sets AWS_LAMBDA_RUNTIME_API), given each function's image_config.command from
Terraform as its arguments, with the function's environment from Terraform pointed at the
rehearsal's account.

The batch function then runs a whole job the way the state machine drives it, step by step from
the definition (its Parameters, ResultSelector and ItemBatcher), on an input with a malformed
line; the HTTP handler (a function without a command: Lambda passes the image's CMD) answers an
ALB event.
"""

import contextlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.cli.jobs.sfn import job_request
from handlers.cli.replay import INVOKE_PATH, compare, load_event
from shared.jobs.spec import JobSettings
from shared.observability import metric_names
from shared.observability.emf import MetricsBuffer
from shared.rollouts.plan import Policy, start
from shared.rollouts.records import read_history, write_current
from shared.store.s3 import S3Store
from tests.iac.infra import IAC, ROOT, Terraform, load_dockerfile, load_terraform
from tests.support.cloudwatch_ingest import ingest
from tests.support.servers import free_port

from .account import Account
from .states import render
from .tools import notice, rie

ASL = IAC / "state_machines" / "batch_scoring.asl.json"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:inferno-prod-batch-scoring:rehearsal-1"
LINES = [
    '{"id": "r-1", "text": "Absolutely love it"}',
    '{"id": "r-2", "text": "not json',
    '{"id": "r-3", "text": "Broke after a day, awful"}',
    '{"id": "r-4", "text": "Fine I guess"}',
    '{"id": "r-5", "text": "Wonderful support"}',
]


class Function:
    """One function: the emulator running the image's ENTRYPOINT with the function's command."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        argv = [
            str(rie()),
            "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
            "--runtime-api-address", f"127.0.0.1:{free_port()}",
            *load_dockerfile().entrypoint, *command,
        ]  # fmt: skip
        image_path = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"  # the image's PATH
        full_env = {**os.environ, **load_dockerfile().env, **env, "PATH": image_path}
        full_env.pop("AWS_LAMBDA_RUNTIME_API", None)  # the emulator sets it, as Lambda does
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                argv, cwd=ROOT, env=full_env, stdout=output, stderr=output
            )

    def wait(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            time.sleep(0.1)
        pytest.fail(f"the emulator did not listen:\n{self.log.read_text()}")

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(f"http://127.0.0.1:{self.port}{INVOKE_PATH}", json=event, timeout=180)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        assert "errorType" not in body, f"{body}\n{self.log.read_text()[-3000:]}"
        return body

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[Function]:
    function = Function(command, env, log)
    try:
        function.wait()
        yield function
    finally:
        function.stop()


def function_env(tf: Terraform, account: Account, scratch: Path) -> dict[str, str]:
    """The batch function's environment as Terraform sets it, in the rehearsal's account."""
    variables = tf.resource("aws_lambda_function", "batch")["environment"][0]["variables"]
    env = account.substitute(tf, variables)
    # Lambda's /tmp is the function's own; here it is this test's.
    env["MODEL_DIR"] = str(scratch / "model_store")
    notice("the functions' MODEL_DIR (/tmp/model_store in Lambda) is a temporary directory")
    return {**env, **account.env, "AWS_LAMBDA_FUNCTION_NAME": "inferno-prod-batch-job"}


def test_the_batch_function_runs_a_job_as_the_state_machine_drives_it(
    account: Account, tmp_path: Path
) -> None:
    tf = load_terraform()
    definition = json.loads(ASL.read_text().replace("${max_concurrency}", "10"))
    states = definition["States"]
    s3 = account.client("s3")
    jobs = account.names["aws_s3_bucket.jobs.id"]
    inputs, outputs = (
        tf.resolve("${var.jobs_input_prefix}"),
        tf.resolve("${var.jobs_output_prefix}"),
    )
    # GIVEN a JSONL input with a malformed line, and a backup whose key starts with its name
    s3.put_object(Bucket=jobs, Key=f"{inputs}/day.jsonl", Body="\n".join(LINES).encode())
    s3.put_object(Bucket=jobs, Key=f"{inputs}/day.jsonl.bak", Body=b'{"text": "old"}\n' * 50)
    # AND the execution input `inferno jobs submit` sends
    request = job_request(
        f"s3://{jobs}/{inputs}/day.jsonl",
        f"s3://{jobs}/{outputs}/day",
        "sentiment",
        None,
        JobSettings(max_items_per_batch=2),
        s3,
    )
    context = {"Execution": {"Id": EXECUTION}}
    command = tf.resource("aws_lambda_function", "batch")["image_config"][0]["command"]
    with running(command, function_env(tf, account, tmp_path), tmp_path / "batch.log") as batch:
        # WHEN StartJob runs (its Payload and ResultSelector as the definition writes them)
        start = states["StartJob"]
        payload = render(start["Parameters"]["Payload"], request, context)
        state = render(start["ResultSelector"], {"Payload": batch.invoke(payload)})
        # AND the map reads its one object, batches it and runs each child
        score = states[start["Next"]]
        reader = render(score["ItemReader"]["Parameters"], state)
        body = s3.get_object(Bucket=reader["Bucket"], Key=reader["Key"])["Body"].read()
        items = [json.loads(line) for line in body.decode().splitlines()]
        size = state["job"]["max_items_per_batch"]
        child_state = score["ItemProcessor"]["States"][score["ItemProcessor"]["StartAt"]]
        outputs_of_children = []
        for first in range(0, len(items), size):
            child = {
                "Items": items[first : first + size],
                "BatchInput": render(score["ItemBatcher"]["BatchInput"], state),
            }
            answer = batch.invoke(render(child_state["Parameters"], child)["Payload"])
            outputs_of_children.append(render(child_state["ResultSelector"], {"Payload": answer}))
        # AND ResultWriter writes the children's outputs (COMPACT) and its manifest
        writer = render(score["ResultWriter"]["Parameters"], state)
        run = f"{writer['Prefix']}/map-run-1"
        s3.put_object(
            Bucket=writer["Bucket"],
            Key=f"{run}/SUCCEEDED_0.json",
            Body=json.dumps(outputs_of_children).encode(),
        )
        manifest = {"ResultFiles": {"SUCCEEDED": [{"Key": f"{run}/SUCCEEDED_0.json", "Size": 1}]}}
        s3.put_object(
            Bucket=writer["Bucket"], Key=f"{run}/manifest.json", Body=json.dumps(manifest).encode()
        )
        state["map"] = {
            "ResultWriterDetails": {"Bucket": writer["Bucket"], "Key": f"{run}/manifest.json"}
        }
        # AND the finish step runs
        summarize = states[score["Next"]]
        summary = batch.invoke(render(summarize["Parameters"]["Payload"], state))
    # THEN the job read day.jsonl alone and answered every record once, the bad line with an error
    assert [item["position"] for item in items] == list(range(len(LINES)))
    assert summary["status"] == "SUCCEEDED", summary
    assert (summary["records"], summary["errors"]) == (len(LINES), 1)
    parts = s3.list_objects_v2(Bucket=jobs, Prefix=f"{outputs}/day/parts/")["Contents"]
    lines = [
        json.loads(line)
        for part in parts
        for line in s3.get_object(Bucket=jobs, Key=part["Key"])["Body"].read().decode().splitlines()
    ]
    assert sorted(line["position"] for line in lines) == list(range(len(LINES)))
    # The malformed line's key is its 0-based position.
    assert [line["key"] for line in lines if "error" in line] == [1]
    # AND the function ran the batch handler: the image's HTTP handler knows no such events
    assert summary["model"]["version"] == summary["batch_model_versions"][0]


def test_the_http_handler_answers_an_alb_event(account: Account, tmp_path: Path) -> None:
    # GIVEN a function built from the image without a command: Lambda passes the image's CMD
    tf = load_terraform()
    env = function_env(tf, account, tmp_path)
    case = load_event(ROOT / "events" / "alb-predict.json")
    with running(load_dockerfile().cmd, env, tmp_path / "http.log") as http:
        # WHEN the ALB's event arrives
        response = http.invoke(case.event)
    # THEN the HTTP handler answers it as its expectation says
    assert compare(response, case.expected or {}) == []


def test_the_rollout_judge_promotes_on_cloudwatchs_figures_and_aborts_on_an_alarm(
    account: Account, tmp_path: Path
) -> None:
    # GIVEN the judge function as Terraform defines it (its command and environment)
    tf = load_terraform()
    function = tf.resource("aws_lambda_function", "rollout_judge")
    env = {
        **account.substitute(tf, function["environment"][0]["variables"]),
        **account.env,
        "AWS_LAMBDA_FUNCTION_NAME": "inferno-prod-rollout-judge",
    }
    env["MODEL_DIR"] = str(tmp_path / "model_store")
    # AND two models with a running shadow rollout each, in the account's model store
    store = S3Store(env["MODEL_BUCKET_NAME"], env["MODEL_PREFIX"], account.client("s3"))
    for name in ("rehearsal-agrees", "rehearsal-fails"):
        for version in ("v1", "v2"):
            store.write(f"{name}/{version}/manifest.json", b"{}")
        store.set_alias(name, "production", "v1")
        write_current(store, start(name, "v2", "v1", "shadow", 0.1, Policy(min_compared=20)))
    # AND the figures every task would have written as EMF, as CloudWatch holds them
    buffer = MetricsBuffer(env["POWERTOOLS_METRICS_NAMESPACE"], env["POWERTOOLS_SERVICE_NAME"])
    for _ in range(25):
        buffer.add(metric_names.ROLLOUT_AGREEMENT, 1.0, model="rehearsal-agrees", version="v2")
        buffer.add(metric_names.ROLLOUT_AGREEMENT, 1.0, model="rehearsal-fails", version="v2")
    for outcome, calls in (("ok", 5), ("error", 3)):
        buffer.add(
            metric_names.ROLLOUT_CALLS,
            calls,
            model="rehearsal-fails",
            version="v2",
            outcome=outcome,
        )
    ingest(account.client("cloudwatch"), buffer.drain())
    (command,) = function["image_config"][0]["command"]
    with running([command], env, tmp_path / "judge.log") as judge:
        # WHEN the candidate-errors alarm goes to ALARM (EventBridge's event), then the schedule
        alarm = {
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "detail": {"alarmName": "inferno-prod-rollout-candidate-errors",
                       "state": {"value": "ALARM"}},
        }  # fmt: skip
        on_alarm = judge.invoke(alarm)["judged"]
        on_schedule = judge.invoke({"source": "inferno.schedule"})["judged"]
    # THEN the failing candidate was aborted by the alarm, production untouched
    verdicts = {j["model"]: j["verdict"] for j in on_alarm}
    assert verdicts["rehearsal-fails"] == "abort"
    assert store.alias_version("rehearsal-fails", "production") == "v1"
    (kept,) = read_history(store, "rehearsal-fails")
    assert kept.decided_by == "alarm inferno-prod-rollout-candidate-errors"
    # AND the agreeing one is promoted, by the alarm's pass or the schedule's
    decided = {j["model"]: j["verdict"] for j in [*on_alarm, *on_schedule]}
    assert decided["rehearsal-agrees"] == "promote"
    assert store.alias_version("rehearsal-agrees", "production") == "v2"
