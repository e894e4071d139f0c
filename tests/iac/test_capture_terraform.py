"""Capture on AWS (iac/capture.tf): Firehose files each record where the local writer would
(its JQ query run here on real records), encrypted with the project's key; the task may put
records on those two streams only, and write and read receipts only."""

import re
from typing import Any

import jq
import pytest

from shared.capture.records import (
    FEEDBACK,
    PREDICTIONS,
    Stream,
    feedback_record,
    folder,
    prediction_record,
)
from shared.kinds.classification import ModelPrediction
from shared.serving.answers import Answer
from shared.settings import Settings
from tests.iac.infra import Terraform, load_terraform

KEY = "${aws_kms_key.this.arn}"
PLACEHOLDER = re.compile(r"!\{partitionKeyFromQuery:([a-z]+)\}")


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


def block(value: Any) -> Any:
    """A nested block, which the HCL parser gives as a one-item list."""
    return value[0] if isinstance(value, list) else value


def streams(tf: Terraform) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = tf.resolve(tf.locals["capture_streams"])
    return found


def records_at(hour: float) -> list[tuple[Stream, dict[str, Any]]]:
    """A prediction and its feedback as the service writes them."""
    answer = Answer(
        model="sentiment",
        version="20261206T105753Z-ab12cd34",
        kind="classification",
        items=["great"],
        outputs=[ModelPrediction(label="positive", confidence=0.9, probabilities={})],
        client="acme",
        request_id="req-1",
    )
    return [
        (PREDICTIONS, prediction_record(answer, hour, "keep")),
        (FEEDBACK, feedback_record("req-1", hour, "sentiment", answer.version, "acme", "positive")),
    ]


def render(prefix: str, keys: dict[str, str]) -> str:
    """The prefix Firehose makes of a record's partition keys."""
    return PLACEHOLDER.sub(lambda match: keys[match.group(1)], prefix)


@pytest.mark.parametrize("at", [1_796_554_673.123, 1_796_515_200.0, 1_796_601_599.999])
def test_firehose_files_each_record_where_the_local_writer_does(tf: Terraform, at: float) -> None:
    # GIVEN each stream's JQ query and prefix, and records as the service writes them
    for stream, record in records_at(at):
        config = streams(tf)[stream]
        # WHEN the query reads the partition keys out of the record (as Firehose's JQ 1.6 does)
        keys = jq.compile(config["query"]).input_value(record).first()
        # THEN the prefix names exactly those keys and renders to the local writer's folder
        assert set(PLACEHOLDER.findall(config["prefix"])) == set(keys)
        assert all(isinstance(value, str) and value for value in keys.values())
        expected = f"{tf.resolve('${local.capture_prefix}')}/{folder(stream, record)}"
        assert render(config["prefix"], keys) == expected


def test_streams_partition_encrypt_and_log(tf: Terraform) -> None:
    delivery = tf.resource("aws_kinesis_firehose_delivery_stream", "capture")
    assert delivery["for_each"] == "${local.capture_streams}"
    assert set(streams(tf)) == {PREDICTIONS, FEEDBACK}
    assert delivery["destination"] == "extended_s3"
    # Encrypted in the stream and in S3 with the project's key
    sse = block(delivery["server_side_encryption"])
    assert (sse["enabled"], sse["key_type"], sse["key_arn"]) == (True, "CUSTOMER_MANAGED_CMK", KEY)
    s3 = tf.resolve(block(delivery["extended_s3_configuration"]))
    assert s3["kms_key_arn"] == KEY and s3["bucket_arn"] == "${aws_s3_bucket.capture.arn}"
    # Partitioned by the query's keys (JQ), with the error prefix dynamic partitioning requires
    assert block(s3["dynamic_partitioning_configuration"])["enabled"] is True
    processor = block(block(s3["processing_configuration"])["processors"])
    parameters = {p["parameter_name"]: p["parameter_value"] for p in processor["parameters"]}
    assert processor["type"] == "MetadataExtraction"
    assert parameters == {
        "MetadataExtractionQuery": "${each.value.query}",
        "JsonParsingEngine": "JQ-1.6",
    }
    assert s3["prefix"] == "${each.value.prefix}"
    assert "!{firehose:error-output-type}" in s3["error_output_prefix"]
    assert not s3["error_output_prefix"].startswith("capture/")  # never read as traffic
    assert s3["buffering_size"] >= 64  # dynamic partitioning's minimum
    # Plain JSON lines under .jsonl, as the drift report reads them
    assert (s3["compression_format"], s3["file_extension"]) == ("UNCOMPRESSED", ".jsonl")
    assert block(s3["cloudwatch_logging_options"])["enabled"] is True


def test_the_task_may_put_records_on_the_capture_streams_only(tf: Terraform) -> None:
    (statement,) = tf.resolve(tf.data["aws_iam_policy_document"]["task_capture"]["statement"])
    assert statement["actions"] == ["firehose:PutRecordBatch"]
    assert statement["resources"] == "${values(local.capture_stream_arns)}"
    arns = tf.locals["capture_stream_arns"]
    assert "deliverystream/${name}" in arns and "local.capture_stream_names" in arns
    names = tf.resource("aws_kinesis_firehose_delivery_stream", "capture")["name"]
    assert names == "${local.capture_stream_names[each.key]}"


def test_firehose_writes_the_capture_prefixes_only(tf: Terraform) -> None:
    policy = tf.resolve(tf.data["aws_iam_policy_document"]["capture_delivery"]["statement"])
    by_sid = {statement["sid"]: statement for statement in policy}
    bucket = "${aws_s3_bucket.capture.arn}"
    assert by_sid["WriteCapture"]["resources"] == [
        f"{bucket}/capture/*",
        f"{bucket}/capture-errors/*",
    ]
    assert "s3:DeleteObject" not in str(policy) and "s3:*" not in str(policy)
    kms = by_sid["EncryptCapture"]
    assert kms["resources"] == [KEY]
    assert {c["variable"] for c in kms["condition"]} == {
        "kms:ViaService",
        "kms:EncryptionContext:aws:s3:arn",
    }
    trust = tf.resolve(tf.data["aws_iam_policy_document"]["firehose_assume"]["statement"])
    assert block(block(trust)["principals"])["identifiers"] == ["firehose.amazonaws.com"]


def test_capture_bucket_is_private_encrypted_and_expires(tf: Terraform) -> None:
    sse = tf.resolve(tf.resource("aws_s3_bucket_server_side_encryption_configuration", "capture"))
    default = block(block(sse["rule"])["apply_server_side_encryption_by_default"])
    assert (default["sse_algorithm"], default["kms_master_key_id"]) == ("aws:kms", KEY)
    public = tf.resource("aws_s3_bucket_public_access_block", "capture")
    assert all(public[flag] is True for flag in ("block_public_acls", "restrict_public_buckets"))
    lifecycle = tf.resolve(tf.resource("aws_s3_bucket_lifecycle_configuration", "capture"))
    rules = {rule["id"]: rule for rule in lifecycle["rule"]}
    expiry = rules["expire-captured-traffic"]
    assert block(expiry["filter"])["prefix"] == "capture"  # capture/ and capture-errors/ only
    assert block(expiry["expiration"])["days"] == tf.variables["capture_retention_days"]["default"]


def test_receipts_expire_and_the_task_writes_and_reads_them_only(tf: Terraform) -> None:
    table = tf.resolve(tf.resource("aws_dynamodb_table", "receipts"))
    assert (table["billing_mode"], table["hash_key"]) == ("PAY_PER_REQUEST", "id")
    assert block(table["ttl"]) == {"attribute_name": "expires_at", "enabled": True}
    assert block(table["server_side_encryption"])["kms_key_arn"] == KEY
    (statement,) = tf.resolve(tf.data["aws_iam_policy_document"]["receipts_table"]["statement"])
    assert sorted(statement["actions"]) == ["dynamodb:BatchWriteItem", "dynamodb:GetItem"]
    assert statement["resources"] == ["${aws_dynamodb_table.receipts.arn}"]
    assert block(statement["principals"])["identifiers"] == ["${aws_iam_role.task.arn}"]


def test_the_container_captures_to_the_streams_and_keeps_receipts(tf: Terraform) -> None:
    env = {e["name"]: e["value"] for e in tf.resolve(tf.locals["container_environment"])}
    stream = '${aws_kinesis_firehose_delivery_stream.capture["%s"].name}'
    assert env["CAPTURE_PREDICTIONS_STREAM"] == stream % PREDICTIONS
    assert env["CAPTURE_FEEDBACK_STREAM"] == stream % FEEDBACK
    assert env["RECEIPT_TABLE_NAME"] == "${aws_dynamodb_table.receipts.name}"
    # The defaults Terraform deploys are values the service accepts
    rate = tf.variables["capture_sample_rate"]["default"]
    text = tf.variables["capture_text"]["default"]
    ttl = tf.variables["receipt_ttl_hours"]["default"]
    settings = Settings(capture_sample_rate=rate, capture_text=text, receipt_ttl_hours=ttl)
    assert 0 < settings.capture_sample_rate <= 0.1
