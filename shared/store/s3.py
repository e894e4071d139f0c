"""A store in an S3 bucket (or any S3-compatible endpoint) through boto3."""

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import StoreError, StoreKeyNotFound
from shared.store.base import ModelStore, NotModified, too_large

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Fail fast so a dead endpoint does not stall start-up or a refresh for minutes.
_CLIENT_CONFIG = Config(
    connect_timeout=3, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
)


class _Unchanged(Exception):
    """S3 answered 304 to a conditional GET."""


class S3Store(ModelStore):
    """Keys live under `prefix/` in `bucket`. boto3 itself honours AWS_ENDPOINT_URL(_S3)."""

    def __init__(self, bucket: str, prefix: str = "", client: "S3Client | None" = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: S3Client = client or boto3.client("s3", config=_CLIENT_CONFIG)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def read(self, key: str, limit: int | None = None) -> bytes:
        return self._get(key, {}, limit)[0]

    def read_if_changed(
        self, key: str, token: str | None, limit: int | None = None
    ) -> tuple[bytes, str] | NotModified:
        extra = {"IfNoneMatch": token} if token else {}
        try:
            return self._get(key, extra, limit)
        except _Unchanged:
            return NotModified(token or "")

    def _get(self, key: str, extra: dict[str, Any], limit: int | None) -> tuple[bytes, str]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **extra)
            body = response["Body"]
            with body:  # an object refused unread is not downloaded: its stream is closed
                if limit is None:
                    return body.read(), response["ETag"]
                size = int(response.get("ContentLength", 0))
                if size > limit:
                    raise too_large(key, self.describe(), limit, size)
                data = body.read(limit + 1)
            if len(data) > limit:
                raise too_large(key, self.describe(), limit)
            return data, response["ETag"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"304", "NotModified"}:
                raise _Unchanged from exc
            if code in {"NoSuchKey", "404"}:
                raise StoreKeyNotFound(f"{key} not found in {self.describe()}") from exc
            raise StoreError(f"cannot read {key} from {self.describe()}: {code} {exc}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"cannot reach {self.describe()}: {exc}") from exc

    def write(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"cannot write {key} to {self.describe()}: {exc}") from exc

    def list_children(self, prefix: str) -> list[str]:
        base = "/".join(part for part in (self.prefix, prefix.strip("/")) if part)
        base = f"{base}/" if base else ""
        children: set[str] = set()
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=base, Delimiter="/"
            )
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    children.add(common["Prefix"][len(base) :].rstrip("/"))
                for item in page.get("Contents", []):
                    children.add(item["Key"][len(base) :])
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"cannot list {self.describe()}: {exc}") from exc
        return sorted(children)
