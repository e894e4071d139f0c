"""Where records come from and where output goes: a local path or s3://bucket/key, one API.

An input names one object, or a folder whose objects are read in key order (S3's listing
order, which Distributed Map's reader follows too). Output goes through the model store's
backends, which already write atomically (local) or in one PUT (S3).
"""

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from shared.errors import StoreKeyNotFound
from shared.store import ModelStore, store_from_uri

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Location:
    """A parsed `s3://bucket/key` (bucket set) or a local path (bucket None)."""

    bucket: str | None
    key: str

    @classmethod
    def parse(cls, uri: str) -> "Location":
        if uri.startswith("s3://"):
            bucket, _, key = uri.removeprefix("s3://").partition("/")
            return cls(bucket, key)
        return cls(None, uri.removeprefix("file://"))

    def uri(self, key: str | None = None) -> str:
        key = self.key if key is None else key
        return f"s3://{self.bucket}/{key}" if self.bucket else key

    def child(self, name: str) -> str:
        """The URI of `name` below this location taken as a folder."""
        base = self.key.rstrip("/")
        return self.uri(f"{base}/{name}" if base else name)


def s3_client() -> "S3Client":
    import boto3  # only S3 jobs pay for boto3

    from shared.store.s3 import _CLIENT_CONFIG

    return boto3.client("s3", config=_CLIENT_CONFIG)


def output_store(uri: str) -> ModelStore:
    """A store rooted at the output location: parts and the summary are keys below it."""
    return store_from_uri(uri)


def input_objects(uri: str, client: "S3Client | None" = None) -> list[tuple[str, int]]:
    """(URI, size) of each object the input names, in key order; an object names itself."""
    where = Location.parse(uri)
    if where.bucket is None:
        path = Path(where.key)
        if path.is_file():
            return [(str(path), path.stat().st_size)]
        files = [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")]
        ordered = sorted(files, key=lambda p: p.relative_to(path).as_posix())
        return [(str(p), p.stat().st_size) for p in ordered]
    s3 = client or s3_client()
    size = _object_size(where, s3)
    if size is not None:  # an object is read alone: as a prefix it would add `day.jsonl.bak`
        return [(where.uri(), size)]
    key = s3_prefix(where, s3)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=where.bucket, Prefix=key)
    found = [(o["Key"], o["Size"]) for page in pages for o in page.get("Contents", [])]
    return [(where.uri(k), size) for k, size in found if not k.endswith("/")]


def s3_prefix(where: Location, client: "S3Client") -> str:
    """The listing prefix for an S3 input: the key itself when it is an object, else a folder."""
    if _object_size(where, client) is not None:
        return where.key
    return f"{where.key.rstrip('/')}/" if where.key else ""


def _object_size(where: Location, client: "S3Client") -> int | None:
    from botocore.exceptions import ClientError

    if not where.key or where.key.endswith("/"):
        return None
    try:
        return int(client.head_object(Bucket=str(where.bucket), Key=where.key)["ContentLength"])
    except ClientError:
        return None


# One reading for both sources: lines end only at \n, \r or \r\n (never at U+2028, U+2029 or
# U+0085, which are text inside a record), and bytes that are not UTF-8 are kept as lone
# surrogates so records.py can answer that record with an error instead of guessing.
TEXT_OPTIONS: dict[str, Any] = {"encoding": "utf-8", "errors": "surrogateescape", "newline": ""}
READ_CHUNK = 1 << 20


@contextlib.contextmanager
def open_text(uri: str, client: "S3Client | None" = None) -> Iterator[IO[str]]:
    """The object as a stream of text lines, never read whole (inputs can be gigabytes)."""
    where = Location.parse(uri)
    if where.bucket is None:
        try:
            with Path(where.key).open(**TEXT_OPTIONS) as handle:
                yield handle
        except FileNotFoundError as exc:
            raise StoreKeyNotFound(f"input {uri} not found") from exc
        return
    body: Any = (client or s3_client()).get_object(Bucket=where.bucket, Key=where.key)["Body"]
    raw = io.BufferedReader(_ReadableBody(body), READ_CHUNK)
    with io.TextIOWrapper(raw, **TEXT_OPTIONS) as handle:
        yield handle


class _ReadableBody(io.RawIOBase):
    """botocore's StreamingBody as a raw stream, so io's own line reading applies to S3 too."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()
