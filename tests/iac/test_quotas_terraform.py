"""The quota table: on demand, encrypted, recoverable, and usable by the task for exactly what
the lease needs; the container runs with keys required and knows the table."""

from typing import Any

from tests.iac.infra import Terraform, load_terraform


def block(value: Any) -> Any:
    """A nested block, which the HCL parser may give as a one-item list."""
    return value[0] if isinstance(value, list) else value


def test_quota_table_is_on_demand_encrypted_and_recoverable() -> None:
    tf = load_terraform()
    table: dict[str, Any] = tf.resolve(tf.resource("aws_dynamodb_table", "quotas"))
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("client", "day")
    assert block(table["server_side_encryption"])["enabled"] is True
    assert block(table["server_side_encryption"])["kms_key_arn"] == "${aws_kms_key.this.arn}"
    assert block(table["point_in_time_recovery"])["enabled"] is True


def test_task_may_lease_and_count_and_nothing_else() -> None:
    tf = load_terraform()
    (statement,) = tf.resolve(tf.data["aws_iam_policy_document"]["quotas_table"]["statement"])
    assert sorted(statement["actions"]) == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    assert statement["resources"] == ["${aws_dynamodb_table.quotas.arn}"]
    assert block(statement["principals"])["identifiers"] == ["${aws_iam_role.task.arn}"]


def test_container_requires_keys_and_names_the_table() -> None:
    tf: Terraform = load_terraform()
    env = {e["name"]: e["value"] for e in tf.resolve(tf.locals["container_environment"])}
    assert env["AUTH_MODE"] == "keys"
    assert env["QUOTA_TABLE_NAME"] == "${aws_dynamodb_table.quotas.name}"
