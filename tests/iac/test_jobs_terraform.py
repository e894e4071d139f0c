"""Ties the batch-scoring state machine to its function, its buckets and the application."""

import importlib
import json
import re
from typing import Any

import pytest

from shared.settings import Settings

from .infra import IAC, Terraform, load_terraform

ASL = IAC / "state_machines" / "batch_scoring.asl.json"
MAPS = {"ScoreJsonl": "JSONL", "ScoreCsv": "CSV"}


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


@pytest.fixture(scope="module")
def asl() -> dict[str, Any]:
    """The definition as templatefile renders it, with recognisable stand-ins."""
    text = (
        ASL.read_text().replace("${function_arn}", "FUNCTION").replace("${max_concurrency}", "77")
    )
    assert "${" not in text, "the definition uses a template variable jobs.tf does not pass"
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def tasks(states: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for state in states.values():
        if state["Type"] == "Task":
            found.append(state)
        if state["Type"] == "Map":
            found += tasks(state["ItemProcessor"]["States"])
    return found


def statements(tf: Terraform, document: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tf.resolve(
        tf.data["aws_iam_policy_document"][document]["statement"]
    )
    return found


def test_the_definition_is_rendered_from_its_file_with_the_function_and_the_concurrency(
    tf: Terraform,
) -> None:
    machine = tf.resource("aws_sfn_state_machine", "batch_scoring")
    definition = machine["definition"]
    assert "state_machines/batch_scoring.asl.json" in definition
    assert re.search(r"function_arn\s*=\s*aws_lambda_function\.batch\.arn", definition)
    assert re.search(r"max_concurrency\s*=\s*var\.jobs_max_concurrency", definition)
    assert set(re.findall(r"\$\{(\w+)\}", ASL.read_text())) == {"function_arn", "max_concurrency"}
    # AND MaxConcurrency stays below the function's reserved concurrency, by default and always
    function = tf.resource("aws_lambda_function", "batch")
    assert function["reserved_concurrent_executions"] == "${var.jobs_reserved_concurrency}"
    assert (
        tf.variables["jobs_max_concurrency"]["default"]
        < tf.variables["jobs_reserved_concurrency"]["default"]
    )
    [condition] = machine["lifecycle"][0]["precondition"]
    assert condition["condition"] == "${var.jobs_max_concurrency < var.jobs_reserved_concurrency}"


def test_every_task_invokes_the_batch_function(asl: dict[str, Any]) -> None:
    found = tasks(asl["States"])
    assert len(found) == 5  # start, the two maps' children, the two summary steps
    for task in found:
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"] == "FUNCTION"


@pytest.mark.parametrize(("state", "input_type"), MAPS.items())
def test_each_map_reads_s3_batches_tolerates_and_writes_results(
    asl: dict[str, Any], state: str, input_type: str
) -> None:
    score = asl["States"][state]
    assert score["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    reader = score["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    assert reader["ReaderConfig"]["InputType"] == input_type
    assert reader["Parameters"] == {"Bucket.$": "$.reader.Bucket", "Prefix.$": "$.reader.Prefix"}
    # Child input: {"Items": [{"position", "record"}], "BatchInput": {"job"}}, as run_batch reads
    assert score["ItemSelector"] == {
        "position.$": "$$.Map.Item.Index",
        "record.$": "$$.Map.Item.Value",
    }
    batcher = score["ItemBatcher"]
    assert batcher["MaxItemsPerBatchPath"] == "$.job.max_items_per_batch"
    assert batcher["MaxInputBytesPerBatchPath"] == "$.job.max_bytes_per_batch"
    assert batcher["BatchInput"] == {"job.$": "$.job"}
    assert score["MaxConcurrency"] == 77
    assert score["ToleratedFailurePercentagePath"] == "$.job.tolerated_failure_percent"
    assert score["ResultWriter"]["Resource"] == "arn:aws:states:::s3:putObject"
    assert score["ResultWriter"]["Parameters"] == {
        "Bucket.$": "$.writer.Bucket",
        "Prefix.$": "$.writer.Prefix",
    }
    assert score["Next"] == "Summarize" and score["Catch"][0]["Next"] == "SummarizeFailedJob"
    # AND the child keeps only the counts (per-record results stay in the part: 256 KB limit)
    child = score["ItemProcessor"]["States"]["ScoreBatch"]
    assert "results.$" not in child["ResultSelector"]


def test_the_function_runs_the_batch_entry_of_the_image_with_settings_fields(tf: Terraform) -> None:
    function = tf.resolve(tf.resource("aws_lambda_function", "batch"))
    [command] = function["image_config"][0]["command"]
    module, _, name = command.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))
    env = function["environment"][0]["variables"]
    fields = {name.upper() for name in Settings.model_fields}
    assert all(name in fields or name.startswith("POWERTOOLS_") for name in env)
    assert env["MODEL_PREFIX"] == tf.resolve("${var.model_prefix}")
    assert function["tracing_config"][0]["mode"] == "Active"


def _allowed(tf: Terraform, document: str) -> dict[str, set[str]]:
    allowed: dict[str, set[str]] = {}
    for statement in statements(tf, document):
        assert statement.get("effect", "Allow") == "Allow"
        for action in statement["actions"]:
            allowed.setdefault(action, set()).update(statement["resources"])
    return allowed


def test_the_function_reads_models_and_writes_only_the_output_prefix(tf: Terraform) -> None:
    allowed = _allowed(tf, "jobs_function")
    models = f"${{aws_s3_bucket.models.arn}}/{tf.resolve('${var.model_prefix}')}/*"
    output = tf.resolve("${local.jobs_output_arn}")
    assert allowed["s3:PutObject"] == {output}
    assert allowed["s3:GetObject"] == {models, output}
    assert tf.resolve("${local.jobs_input_arn}") not in str(allowed)


def test_the_state_machine_reads_only_the_input_and_writes_only_the_output(tf: Terraform) -> None:
    allowed = _allowed(tf, "jobs_state_machine")
    assert allowed["s3:GetObject"] == {
        tf.resolve("${local.jobs_input_arn}"),
        tf.resolve("${local.jobs_output_arn}"),
    }
    assert allowed["s3:PutObject"] == {tf.resolve("${local.jobs_output_arn}")}
    assert allowed["lambda:InvokeFunction"] == {
        "${aws_lambda_function.batch.arn}",
        "${aws_lambda_function.batch.arn}:*",
    }
    listing = [s for s in statements(tf, "jobs_state_machine") if "s3:ListBucket" in s["actions"]]
    assert [c["values"] for s in listing for c in s["condition"]] == [
        [f"{tf.resolve('${var.jobs_input_prefix}')}/*"]
    ]
    assert tf.resolve("${local.jobs_input_arn}").startswith("${aws_s3_bucket.jobs.arn}/input/")


def test_failed_jobs_raise_an_alarm(tf: Terraform) -> None:
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "jobs_failed")
    metrics = [q["metric"][0] for q in alarm["metric_query"] if "metric" in q]
    assert {m["metric_name"] for m in metrics} == {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
    }
    assert all(
        m["dimensions"] == {"StateMachineArn": "${aws_sfn_state_machine.batch_scoring.arn}"}
        for m in metrics
    )
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
