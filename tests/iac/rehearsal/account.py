"""An AWS account on loopback (moto's server) holding what Terraform creates and the guide puts
there: the model bucket with a model signed by the release key (KMS), the quota table, the jobs
bucket, the escalation bus, the capture streams and receipts table, the smoke-key secret.
Processes reach it through AWS_ENDPOINT_URL, as they reach AWS."""

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tests.iac.infra import ROOT, Terraform
from tests.support.capture import create_capture_streams, create_receipts_table
from tests.support.quota import create_quota_table

ENVIRONMENT = "prod"
REGION = "us-east-1"
_REFERENCE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Account:
    endpoint: str
    names: dict[str, str]  # Terraform reference -> its value in this account

    def client(self, service: str) -> Any:
        make: Any = boto3.client  # one helper for every service the stubs type one by one
        return make(service, endpoint_url=self.endpoint, region_name=REGION, **_KEYS)

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to call this account instead of AWS."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": _KEYS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": _KEYS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }

    def substitute(self, tf: Terraform, variables: Mapping[str, Any]) -> dict[str, str]:
        """Terraform's environment block with every reference replaced by what it is here; a
        reference this account does not hold fails (a new dependency the rehearsal must add)."""

        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression in self.names:
                return self.names[expression]
            wrapped = re.fullmatch(r"tostring\((var\.\w+)\)", expression)
            resolved = tf.resolve("${" + (wrapped.group(1) if wrapped else expression) + "}")
            assert "${" not in str(resolved), f"the rehearsal has no value for ${{{expression}}}"
            return str(resolved)

        return {name: _REFERENCE.sub(value, str(raw)) for name, raw in variables.items()}


_KEYS = {"aws_access_key_id": "rehearsal", "aws_secret_access_key": "rehearsal"}


def create(endpoint: str, tf: Terraform, model_dir: Path) -> Account:
    """The resources the service and the batch function use, named as Terraform names them."""
    prefix = f"{tf.resolve('${var.name}')}-{ENVIRONMENT}"
    account = Account(endpoint, {})
    models, jobs = f"{prefix}-models-rehearsal", f"{prefix}-jobs-rehearsal"
    for bucket in (models, jobs):
        account.client("s3").create_bucket(Bucket=bucket)
    key = account.client("kms").create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")
    table = f"{prefix}-quotas"
    create_quota_table(account.client("dynamodb"), table)
    bus = f"{prefix}-escalations"  # events.tf's bus: the task puts escalation events on it
    account.client("events").create_event_bus(Name=bus)
    # Capture (iac/capture.tf): the two delivery streams into their bucket, the receipts table.
    streams = {stream: f"{prefix}-capture-{stream}" for stream in ("predictions", "feedback")}
    create_capture_streams(
        account.client("firehose"), account.client("s3"), f"{prefix}-capture-rehearsal", streams
    )
    receipts = f"{prefix}-receipts"
    create_receipts_table(account.client("dynamodb"), receipts)
    names = {
        "aws_s3_bucket.models.id": models,
        "aws_s3_bucket.jobs.id": jobs,
        "aws_kms_key.release.arn": key["KeyMetadata"]["Arn"],
        "aws_dynamodb_table.quotas.name": table,
        "aws_cloudwatch_event_bus.escalations.name": bus,
        "aws_dynamodb_table.receipts.name": receipts,
        **{
            f'aws_kinesis_firehose_delivery_stream.capture["{stream}"].name': name
            for stream, name in streams.items()
        },
        "var.environment": ENVIRONMENT,
    }
    account = Account(endpoint, names)
    # The model-release workflow's publish: signed by the release key, alias production.
    env = {
        "MODEL_BUCKET_NAME": models,
        "MODEL_PREFIX": str(tf.resolve("${var.model_prefix}")),
        "MODEL_SIGNING_KEY_ID": names["aws_kms_key.release.arn"],
    }
    inferno("publish", str(model_dir), "--alias", "production", env={**account.env, **env})
    return account


def inferno(*args: str, env: Mapping[str, str]) -> str:
    """The `inferno` command an operator or a workflow runs; its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
