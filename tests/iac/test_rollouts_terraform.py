"""Rollouts and daily retraining on AWS (iac/rollouts.tf, iac/retrain.tf): the judge runs the
handler the code has, on a schedule and on the abort alarms; it may write rollout records and
the production alias only; the retraining task runs `inferno retrain` with the CLI's own
arguments and may never move an alias; the alarms and the dashboard row name the contract's
metrics (issue 20)."""

import importlib
from typing import Any

import pytest

from handlers.cli.main import build_parser
from model_build.trainers import RETRAINERS
from shared.metrics_contract import ALL_METRICS
from shared.settings import Settings

from .infra import Terraform, load_terraform

LIBRARY_ENV = {"HOME", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


def statements(tf: Terraform, document: str) -> dict[str, dict[str, Any]]:
    found = tf.resolve(tf.data["aws_iam_policy_document"][document]["statement"])
    return {statement["sid"]: statement for statement in found}


def test_the_judge_runs_the_rollout_handler_with_settings_the_code_reads(tf: Terraform) -> None:
    function = tf.resolve(tf.resource("aws_lambda_function", "rollout_judge"))
    (command,) = function["image_config"][0]["command"]
    module, _, name = command.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))
    variables = function["environment"][0]["variables"]
    assert set(variables) - LIBRARY_ENV <= {name.upper() for name in Settings.model_fields}
    # One judge at a time: two would decide the same rollout twice.
    assert function["reserved_concurrent_executions"] == 1


def test_the_judge_writes_rollout_records_and_the_production_alias_only(tf: Terraform) -> None:
    policy = statements(tf, "rollout_judge")
    writes = [s for s in policy.values() if "s3:PutObject" in s["actions"]]
    models = "${aws_s3_bucket.models.arn}/models"  # var.model_prefix, resolved
    assert [s["resources"] for s in writes] == [
        [f"{models}/*/rollouts/*", f"{models}/*/aliases/production.json"]
    ]
    assert policy["ReadFigures"]["actions"] == ["cloudwatch:GetMetricData"]


def test_the_schedule_and_the_abort_alarms_invoke_the_judge(tf: Terraform) -> None:
    schedule = tf.resolve(tf.resource("aws_scheduler_schedule", "rollout_judge"))
    assert schedule["target"][0]["arn"] == "${aws_lambda_function.rollout_judge.arn}"
    rule = tf.resolve(tf.resource("aws_cloudwatch_event_rule", "rollout_alarm"))
    pattern = rule["event_pattern"]
    assert "CloudWatch Alarm State Change" in pattern and "ALARM" in pattern
    assert "aws_cloudwatch_metric_alarm.rollout" in pattern
    target = tf.resolve(tf.resource("aws_cloudwatch_event_target", "rollout_alarm"))
    assert target["arn"] == "${aws_lambda_function.rollout_judge.arn}"
    permission = tf.resolve(tf.resource("aws_lambda_permission", "rollout_alarm"))
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["source_arn"] == "${aws_cloudwatch_event_rule.rollout_alarm.arn}"


def test_the_abort_alarms_query_the_contracts_per_model_metrics(tf: Terraform) -> None:
    contract = {m.name: m.dimensions for m in ALL_METRICS}
    alarms = tf.resolve(tf.locals["rollout_alarms"])
    for metric, alarm in zip(
        ("RolloutCandidateErrors", "RolloutLatencyRatio"), alarms.values(), strict=True
    ):
        assert contract[metric] == ("model",)
        assert f"({metric}) FROM SCHEMA(" in alarm["query"]
        assert alarm["query"].endswith(", model, service)")


def test_the_retraining_task_runs_inferno_retrain_with_the_clis_arguments(tf: Terraform) -> None:
    container = tf.resolve(tf.locals["retrain_container"])
    # The training target's ENTRYPOINT is `inferno`; ECS passes every argument as a string.
    args = build_parser().parse_args([str(arg) for arg in container["command"]])
    assert args.command == "retrain" and args.name in RETRAINERS
    assert args.data.startswith("s3://${aws_s3_bucket.models.id}/")
    env = {item["name"] for item in container["environment"]}
    assert env - LIBRARY_ENV <= {name.upper() for name in Settings.model_fields}
    assert container["image"].endswith(":${var.image_tag}-training")  # what CD and first-apply push


def test_the_retraining_task_publishes_but_never_moves_an_alias(tf: Terraform) -> None:
    policy = statements(tf, "retrain_task")
    deny = policy["NeverMoveAnAlias"]
    assert deny["effect"] == "Deny" and "s3:PutObject" in deny["actions"]
    assert deny["resources"] == ["${aws_s3_bucket.models.arn}/models/*/aliases/*"]
    assert policy["SignAndVerifyReleases"]["resources"] == ["${aws_kms_key.release.arn}"]
    schedule = tf.resolve(tf.resource("aws_scheduler_schedule", "retrain"))
    ecs = schedule["target"][0]["ecs_parameters"][0]
    # The family without a revision: RunTask runs the latest one CD registered.
    assert ecs["task_definition_arn"].endswith(
        ":task-definition/inferno-${var.environment}-retrain"
    )


def test_the_dashboards_rollout_row_names_the_contracts_metrics(tf: Terraform) -> None:
    contract = {m.name: m.dimensions for m in ALL_METRICS}
    specs = tf.resolve(tf.locals["rollout_widget_specs"])
    shown = {name: m["dimensions"] for spec in specs for name, m in spec["metrics"].items()}
    assert {name for name in contract if name.startswith(("Rollout", "Shadow"))} == set(shown)
    for name, dimensions in shown.items():
        assert dimensions == ["service", *contract[name]], name
    body = tf.resource("aws_cloudwatch_dashboard", "this")["dashboard_body"]
    assert "local.rollout_widgets" in body
