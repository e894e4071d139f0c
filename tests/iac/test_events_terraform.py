"""Ties the escalation bus, its example rule and queues to the application's events."""

from typing import Any

import pytest

from shared.events.event import DETAIL_TYPE, SOURCE
from shared.observability import metric_names

from .infra import Terraform, load_terraform

BUS = "${aws_cloudwatch_event_bus.escalations.name}"
QUEUE, DLQ = "${aws_sqs_queue.escalations.arn}", "${aws_sqs_queue.escalations_dlq.arn}"
RULE = "${aws_cloudwatch_event_rule.escalations_to_queue.arn}"


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


def environment(tf: Terraform) -> dict[str, Any]:
    return {item["name"]: item["value"] for item in tf.locals["container_environment"]}


def test_the_task_puts_events_on_its_bus_and_no_other(tf: Terraform) -> None:
    # GIVEN the task's environment and its events policy
    assert environment(tf)["EVENTS_BUS_NAME"] == BUS
    [statement] = tf.resolve(tf.data["aws_iam_policy_document"]["task_events"]["statement"])
    # THEN it may PutEvents, on that bus only
    assert statement["actions"] == ["events:PutEvents"]
    assert statement["resources"] == ["${aws_cloudwatch_event_bus.escalations.arn}"]
    assert statement.get("effect", "Allow") == "Allow"
    policy = tf.resource("aws_iam_role_policy", "task_events")
    assert policy["role"] == "${aws_iam_role.task.id}"


def test_the_example_rule_matches_what_the_service_sends(tf: Terraform) -> None:
    pattern = tf.resolve(tf.locals["escalations_event_pattern"])
    assert pattern == {"source": [SOURCE], "detail-type": [DETAIL_TYPE]}
    rule = tf.resource("aws_cloudwatch_event_rule", "escalations_to_queue")
    assert rule["event_bus_name"] == BUS
    assert rule["event_pattern"] == "${jsonencode(local.escalations_event_pattern)}"
    target = tf.resource("aws_cloudwatch_event_target", "escalations_to_queue")
    assert (target["arn"], target["event_bus_name"]) == (QUEUE, BUS)
    # AND what EventBridge cannot deliver goes to the dead-letter queue, after retries
    assert target["dead_letter_config"] == [{"arn": DLQ}]
    assert target["retry_policy"][0]["maximum_retry_attempts"] > 0


def test_the_queues_are_encrypted_redriven_and_take_only_the_rules_messages(
    tf: Terraform,
) -> None:
    for name in ("escalations", "escalations_dlq"):
        queue = tf.resource("aws_sqs_queue", name)
        assert queue["kms_master_key_id"] == "${aws_kms_key.events.arn}"  # a customer key
    queue = tf.resource("aws_sqs_queue", "escalations")
    assert "aws_sqs_queue.escalations_dlq.arn" in queue["redrive_policy"]
    assert "local.escalations_max_receive_count" in queue["redrive_policy"]
    allowed = tf.resource("aws_sqs_queue_redrive_allow_policy", "escalations_dlq")
    assert "aws_sqs_queue.escalations.arn" in allowed["redrive_allow_policy"]
    assert tf.resource("aws_kms_key", "events")["enable_key_rotation"] is True
    document = tf.data["aws_iam_policy_document"]["escalations_queue"]
    assert document["for_each"] == {"queue": QUEUE, "dlq": DLQ}
    allow, deny = document["statement"]
    assert allow["actions"] == ["sqs:SendMessage"]
    assert allow["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert allow["condition"] == [
        {"test": "ArnEquals", "variable": "aws:SourceArn", "values": [RULE]}
    ]
    assert deny["effect"] == "Deny" and deny["condition"][0]["variable"] == "aws:SecureTransport"
    for name, which in (("escalations", "queue"), ("escalations_dlq", "dlq")):
        policy = tf.resource("aws_sqs_queue_policy", name)["policy"]
        assert policy == f'${{data.aws_iam_policy_document.escalations_queue["{which}"].json}}'


def test_a_message_in_the_dead_letter_queue_pages(tf: Terraform) -> None:
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "escalations_dlq_depth")
    assert (alarm["namespace"], alarm["metric_name"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.escalations_dlq.name}"}
    assert alarm["comparison_operator"] == "GreaterThanThreshold" and alarm["threshold"] == 0
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_the_dashboard_counts_escalations_by_outcome(tf: Terraform) -> None:
    spec = metric_names.ESCALATION_COUNT
    shown = tf.resolve(tf.locals["app_metrics"])[spec.name]
    assert shown["dimensions"] == ["service", *spec.dimensions]
    assert "outcome" in spec.dimensions
