"""Ties the batch-scoring state machine to its function, its buckets and the application."""

import importlib
import json
import re
from typing import Any

import pytest

from shared.settings import Settings

from .infra import IAC, Terraform, load_terraform

ASL = IAC / "state_machines" / "batch_scoring.asl.json"


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


def state_names(states: dict[str, Any]) -> list[str]:
    """Every state's name, nested maps' included: ASL wants them unique across the machine."""
    names = list(states)
    for state in states.values():
        if state["Type"] == "Map":
            names += state_names(state["ItemProcessor"]["States"])
    return names


def test_state_names_are_unique_in_the_whole_machine(asl: dict[str, Any]) -> None:
    # GIVEN every state of the machine, the maps' own included
    names = state_names(asl["States"])
    # THEN no name repeats (CreateStateMachine refuses DUPLICATE_STATE_NAMES)
    assert len(names) == len(set(names)), sorted(names)


def test_every_task_invokes_the_batch_function(asl: dict[str, Any]) -> None:
    found = tasks(asl["States"])
    assert len(found) == 4  # start, the map's child, the two summary steps
    for task in found:
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"] == "FUNCTION"


def test_the_map_reads_the_items_start_wrote_batches_tolerates_and_writes_results(
    asl: dict[str, Any],
) -> None:
    score = asl["States"]["ScoreRecords"]
    assert asl["States"]["StartJob"]["Next"] == "ScoreRecords"
    assert score["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    # One object, StartJob's JSON lines: never a prefix listing, never the raw input (a
    # malformed line there would fail the whole map run with States.ItemReaderFailed)
    reader = score["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["ReaderConfig"] == {"InputType": "JSONL"}
    assert reader["Parameters"] == {"Bucket.$": "$.reader.Bucket", "Key.$": "$.reader.Key"}
    # Child input: {"Items": [{"position", "record"}], "BatchInput": {"job"}}: the items file's
    # lines are already those items
    assert "ItemSelector" not in score
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


def test_result_writer_writes_only_the_children_outputs(asl: dict[str, Any]) -> None:
    # Without COMPACT every child's whole input (its records) is written back: a result set
    # the size of the dataset, which the finish step then reads in one Lambda
    config = asl["States"]["ScoreRecords"]["ResultWriter"]["WriterConfig"]
    assert config == {"OutputType": "JSON", "Transformation": "COMPACT"}


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


def test_the_function_reads_models_and_the_input_and_writes_only_the_output(
    tf: Terraform,
) -> None:
    allowed = _allowed(tf, "jobs_function")
    models = f"${{aws_s3_bucket.models.arn}}/{tf.resolve('${var.model_prefix}')}/*"
    output = tf.resolve("${local.jobs_output_arn}")
    source = tf.resolve("${local.jobs_input_arn}")
    assert allowed["s3:PutObject"] == {output}
    assert allowed["s3:GetObject"] == {models, source, output}


def test_the_state_machine_reads_and_writes_only_the_output(tf: Terraform) -> None:
    allowed = _allowed(tf, "jobs_state_machine")
    # StartJob's items file and ResultWriter's files both live in the output prefix
    assert allowed["s3:GetObject"] == {tf.resolve("${local.jobs_output_arn}")}
    assert allowed["s3:PutObject"] == {tf.resolve("${local.jobs_output_arn}")}
    assert "s3:ListBucket" not in allowed
    assert allowed["lambda:InvokeFunction"] == {
        "${aws_lambda_function.batch.arn}",
        "${aws_lambda_function.batch.arn}:*",
    }
    assert tf.resolve("${local.jobs_input_arn}").startswith("${aws_s3_bucket.jobs.arn}/input/")


def test_the_state_machine_role_may_use_its_customer_key_for_its_own_data(tf: Terraform) -> None:
    # GIVEN the machine encrypted with the customer key
    machine = tf.resource("aws_sfn_state_machine", "batch_scoring")
    [encryption] = machine["encryption_configuration"]
    assert encryption["kms_key_id"] == "${aws_kms_key.this.arn}"
    # THEN its role may decrypt and make data keys, only with its own ARN as encryption context
    [grant] = [
        s for s in statements(tf, "jobs_state_machine") if s.get("sid") == "EncryptStateMachineData"
    ]
    assert set(grant["actions"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert grant["resources"] == ["${aws_kms_key.this.arn}"]
    [condition] = grant["condition"]
    assert condition["variable"] == "kms:EncryptionContext:aws:states:stateMachineArn"
    assert condition["values"] == [tf.resolve("${local.jobs_state_machine_arn}")]
    # AND log delivery may decrypt to write the machine's (vended) logs
    delivery = [
        s
        for s in statements(tf, "kms")
        if s.get("principals", [{}])[0].get("identifiers") == ["delivery.logs.amazonaws.com"]
    ]
    assert [s["actions"] for s in delivery] == [["kms:Decrypt"]]


def test_the_state_machine_logs_errors_without_execution_data(tf: Terraform) -> None:
    # ALL with execution data writes every record's text to CloudWatch (cost, personal data)
    machine = tf.resource("aws_sfn_state_machine", "batch_scoring")
    [logging] = machine["logging_configuration"]
    assert logging["level"] == "ERROR"
    assert logging["include_execution_data"] is False


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
