"""The capture's AWS side as Terraform makes it (iac/capture.tf), for moto: the receipts table,
the bucket and the two delivery streams with their partitioning configuration; and readers of
what the capture wrote."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.iac.infra import load_terraform


def create_receipts_table(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


def stream_configs() -> dict[str, dict[str, str]]:
    """Each stream's JQ query and S3 prefix, read from iac/capture.tf."""
    tf = load_terraform()
    found: dict[str, dict[str, str]] = tf.resolve(tf.locals["capture_streams"])
    return found


def create_capture_streams(firehose: Any, s3: Any, bucket: str, names: Mapping[Any, str]) -> None:
    """The bucket and a delivery stream per entry of `names` (stream: delivery stream name),
    configured as Terraform configures it (moto keeps the partitioning but does not apply it)."""
    s3.create_bucket(Bucket=bucket)
    for stream, config in stream_configs().items():
        firehose.create_delivery_stream(
            DeliveryStreamName=names[stream],
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/capture-delivery",
                "BucketARN": f"arn:aws:s3:::{bucket}",
                "Prefix": config["prefix"],
                "ErrorOutputPrefix": f"capture-errors/{stream}/!{{firehose:error-output-type}}/",
                "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
                "DynamicPartitioningConfiguration": {"Enabled": True},
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [
                        {
                            "Type": "MetadataExtraction",
                            "Parameters": [
                                {
                                    "ParameterName": "MetadataExtractionQuery",
                                    "ParameterValue": config["query"],
                                },
                                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                            ],
                        }
                    ],
                },
            },
        )


def s3_records(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    """Every record in every object under `prefix`: JSON objects, one per line."""
    found: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            found += [json.loads(line) for line in body.decode().split("\n") if line]
    return found


def local_records(root: Path, stream: str) -> dict[Path, list[dict[str, Any]]]:
    """The records of every file of one stream under a CAPTURE_DIR, by file."""
    return {
        path: [json.loads(line) for line in path.read_text().split("\n") if line]
        for path in sorted((root / stream).rglob("*.jsonl"))
    }
