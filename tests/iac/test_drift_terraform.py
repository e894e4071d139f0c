"""The scheduled drift job (iac/drift.tf): the command it runs is the CLI's, its settings are
Settings fields, its role reads capture and models and writes reports only, the alarm and the
dashboard's watch row name the metrics of the contract (issue 21, items 4 and 5)."""

from typing import Any

import pytest

from handlers.cli.main import build_parser
from shared.metrics_contract import ALL_METRICS
from shared.observability import metric_names
from shared.settings import Settings

from .infra import Terraform, load_terraform

# Metrics the watch row shows that the capture and events work add to metric_names.py (the
# issue 21 contract); a metric found in metric_names.py is held to its entry there instead.
ISSUE_21_METRICS = {
    "EscalationCount": ("model", "rule", "outcome"),
    "CapturedCount": ("model", "stream"),
    "CaptureDropped": ("model",),
    "LiveQuality": ("model", "version"),
    "FeedbackCount": ("model", "version"),
}
# Read by libraries, not by Settings: where they may write on a read-only root filesystem.
LIBRARY_ENV = {"HOME", "MPLCONFIGDIR", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


def container(tf: Terraform) -> dict[str, Any]:
    found: dict[str, Any] = tf.resolve(tf.locals["drift_container"])
    return found


def test_the_task_runs_inferno_drift_for_every_model_with_metrics(tf: Terraform) -> None:
    command = container(tf)["command"]
    assert command[0] == "inferno"
    args = build_parser().parse_args(command[1:])
    assert (args.command, args.all, args.emit_metrics, args.since) == ("drift", True, True, "1d")
    assert tf.resolve(tf.variables["drift_window"]["default"]) == args.since


def test_the_task_is_configured_through_settings_fields(tf: Terraform) -> None:
    env = {item["name"]: item["value"] for item in container(tf)["environment"]}
    fields = {name.upper() for name in Settings.model_fields}
    assert set(env) - LIBRARY_ENV <= fields
    assert env["DRIFT_CAPTURE_URI"] == "s3://${aws_s3_bucket.capture.id}/capture"  # capture.tf
    assert env["DRIFT_REPORTS_URI"] == "s3://${aws_s3_bucket.capture.id}/drift-reports"
    assert env["REQUIRE_SIGNED_MODELS"] == "true"
    assert container(tf)["readonlyRootFilesystem"] is True


def statements(tf: Terraform, document: str) -> dict[str, dict[str, Any]]:
    found = tf.resolve(tf.data["aws_iam_policy_document"][document]["statement"])
    return {statement["sid"]: statement for statement in found}


def test_the_task_role_reads_capture_and_models_and_writes_reports_only(tf: Terraform) -> None:
    policy = statements(tf, "drift_task")
    s3 = {sid: s for sid, s in policy.items() if any(a.startswith("s3:") for a in s["actions"])}
    capture = "${aws_s3_bucket.capture.arn}"
    assert {sid: (s["actions"], s["resources"]) for sid, s in s3.items()} == {
        "ReadCapture": (["s3:GetObject"], [capture + "/capture/*"]),  # capture.tf's prefix
        "ListCapture": (["s3:ListBucket"], ["${aws_s3_bucket.capture.arn}"]),
        "WriteReports": (["s3:PutObject"], ["${aws_s3_bucket.capture.arn}/drift-reports/*"]),
        "ReadModelStore": (["s3:GetObject"], ["${aws_s3_bucket.models.arn}/models/*"]),
        "ListModelStore": (["s3:ListBucket"], ["${aws_s3_bucket.models.arn}"]),
    }  # fmt: skip
    for sid in ("ListCapture", "ListModelStore"):
        [condition] = policy[sid]["condition"]
        assert (condition["test"], condition["variable"]) == ("StringLike", "s3:prefix")
    assert all("*" not in s["resources"] for s in policy.values())
    [via] = policy["UseKeyThroughS3"]["condition"]
    assert via["variable"] == "kms:ViaService"


def test_the_schedule_starts_the_task_privately_with_retries_and_a_dead_letter_queue(
    tf: Terraform,
) -> None:
    schedule = tf.resolve(tf.resource("aws_scheduler_schedule", "drift"))
    [target] = schedule["target"]
    [ecs] = target["ecs_parameters"]
    assert target["arn"] == "${aws_ecs_cluster.this.arn}"
    assert ecs["task_definition_arn"] == "${aws_ecs_task_definition.drift.arn}"
    assert ecs["launch_type"] == "FARGATE"
    assert ecs["network_configuration"][0]["assign_public_ip"] is False
    assert target["dead_letter_config"] == [{"arn": "${aws_sqs_queue.drift_schedule_dlq.arn}"}]
    assert target["retry_policy"][0]["maximum_retry_attempts"] > 0
    assert schedule["kms_key_arn"] == "${aws_kms_key.this.arn}"
    scheduler = statements(tf, "drift_scheduler")
    assert scheduler["PassDriftRoles"]["resources"] == [
        "${aws_iam_role.drift_task.arn}",
        "${aws_iam_role.drift_execution.arn}",
    ]


def test_the_drift_alarm_watches_the_contracts_metric(tf: Terraform) -> None:
    alarm = tf.resolve(tf.resource("aws_cloudwatch_metric_alarm", "drift_detected"))
    spec = metric_names.DRIFT_DETECTED
    assert (alarm["namespace"], alarm["metric_name"]) == (metric_names.DEFAULT_NAMESPACE, spec.name)
    assert sorted(alarm["dimensions"]) == sorted(["service", *spec.dimensions])
    assert (alarm["comparison_operator"], alarm["threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
    )
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def watch_metrics(tf: Terraform) -> dict[str, list[str]]:
    specs = tf.resolve(tf.locals["watch_widget_specs"])
    return {name: m["dimensions"] for spec in specs for name, m in spec["metrics"].items()}


def test_the_dashboards_watch_row_names_the_contracts_metrics(tf: Terraform) -> None:
    contract = {m.name: m.dimensions for m in ALL_METRICS}
    shown = watch_metrics(tf)
    # THEN labels, escalations, capture, drift and live quality are on it
    assert {"PredictionCount", "EscalationCount", "CapturedCount", "CaptureDropped"} <= set(shown)
    assert {"DriftScore", "DriftDetected", "LiveQuality"} <= set(shown)
    # AND each with the dimensions its metric is emitted with
    for name, dimensions in shown.items():
        expected = contract[name] if name in contract else ISSUE_21_METRICS[name]
        assert dimensions == ["service", *expected], name
    body = tf.resource("aws_cloudwatch_dashboard", "this")["dashboard_body"]
    assert "local.watch_widgets" in body
