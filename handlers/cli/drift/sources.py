"""Where captured data is read from: a local directory (CAPTURE_DIR) or an S3 prefix (the
capture bucket Firehose writes). Both answer the same three questions, so the partition walk
in `captured.py` is written once."""

from pathlib import Path
from typing import Any, Protocol

from shared.drift.errors import BadCaptureSource

# A captured object larger than this is not read (Firehose buffers at most 128 MiB).
MAX_OBJECT_BYTES = 256 << 20


class CaptureSource(Protocol):
    def describe(self) -> str: ...

    def children(self, prefix: str) -> list[str]:
        """Names of the folders directly below `prefix` (e.g. `version=...`)."""
        ...

    def files(self, prefix: str) -> list[str]:
        """Keys of the objects directly below `prefix`, sorted."""
        ...

    def read(self, key: str) -> bytes: ...


class LocalSource:
    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def children(self, prefix: str) -> list[str]:
        folder = self.root / prefix
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def files(self, prefix: str) -> list[str]:
        folder = self.root / prefix
        if not folder.is_dir():
            return []
        found = (p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        return sorted(f"{prefix}/{p.name}" for p in found)

    def read(self, key: str) -> bytes:
        path = self.root / key
        if path.stat().st_size > MAX_OBJECT_BYTES:
            raise BadCaptureSource(f"{path} is larger than {MAX_OBJECT_BYTES} bytes")
        return path.read_bytes()


class S3Source:
    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, prefix: str) -> str:
        return f"{self.prefix}/{prefix}/" if self.prefix else f"{prefix}/"

    def _pages(self, prefix: str) -> Any:
        paginator = self.client.get_paginator("list_objects_v2")
        return paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix), Delimiter="/")

    def children(self, prefix: str) -> list[str]:
        found = [
            common["Prefix"].rstrip("/").rsplit("/", 1)[-1]
            for page in self._pages(prefix)
            for common in page.get("CommonPrefixes", [])
        ]
        return sorted(found)

    def files(self, prefix: str) -> list[str]:
        start = len(self.prefix) + 1 if self.prefix else 0
        keys = [
            item["Key"][start:]
            for page in self._pages(prefix)
            for item in page.get("Contents", [])
            if item["Size"] <= MAX_OBJECT_BYTES
        ]
        return sorted(keys)

    def read(self, key: str) -> bytes:
        full = f"{self.prefix}/{key}" if self.prefix else key
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=full)["Body"].read()
        return body


def source_from_uri(uri: str, s3_client: Any = None) -> CaptureSource:
    """`s3://bucket/prefix` or a local directory."""
    if uri.startswith("s3://"):
        bucket, _, prefix = uri[len("s3://") :].partition("/")
        if not bucket:
            raise BadCaptureSource(f"{uri}: name a bucket, as s3://bucket/prefix")
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        return S3Source(bucket, prefix, s3_client)
    if "://" in uri:
        raise BadCaptureSource(f"{uri}: captured data is read from a directory or s3://")
    return LocalSource(Path(uri))
