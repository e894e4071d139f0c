"""Where records come from and where output goes: a local path or s3://bucket/key, one API.

An input names one object, or a folder whose objects are read in key order (S3's listing
order, which Distributed Map's reader follows too). Output goes through the model store's
backends, which already write atomically (local) or in one PUT (S3).

Both readers cut an object into lines the same way: at "\n" only (a "\r\n" ending stays on
its line, where JSON and CSV take it as whitespace or a row's end). U+2028, U+2029 and U+0085
are text inside a record, never line breaks. Input must be UTF-8: a line that is not (a
Latin-1 export) stops the read with InputNotUtf8 naming it, never a silent U+FFFD.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from shared.errors import StoreKeyNotFound
from shared.jobs.spec import JobSpecError
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


READ_CHUNK_BYTES = 1 << 16


class InputNotUtf8(JobSpecError):
    """An input line is not UTF-8: the job cannot know what its text says."""


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def text_lines(raw: _Readable, uri: str) -> Iterator[str]:
    """The stream's lines, each with its "\n", split on b"\n" alone and decoded strictly.

    Splitting the bytes before decoding is safe: no UTF-8 sequence holds the byte 0x0A."""
    number = 0
    started: list[bytes] = []  # the pieces of a line not yet ended
    while chunk := raw.read(READ_CHUNK_BYTES):
        pieces = chunk.split(b"\n")
        if len(pieces) == 1:
            started.append(chunk)
            continue
        pieces[0] = b"".join([*started, pieces[0]])
        started = [pieces.pop()]
        for line in pieces:
            number += 1
            yield _decoded(line + b"\n", uri, number)
    if last := b"".join(started):
        yield _decoded(last, uri, number + 1)


def _decoded(line: bytes, uri: str, number: int) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = line[exc.start]
        raise InputNotUtf8(
            f"input {uri} is not UTF-8: line {number} has byte 0x{byte:02X} at byte "
            f"{exc.start + 1} of the line (Latin-1 or Windows-1252?). Convert it first, e.g. "
            "`iconv -f latin1 -t utf-8 IN > OUT`"
        ) from None


@contextlib.contextmanager
def open_text(uri: str, client: "S3Client | None" = None) -> Iterator[Iterator[str]]:
    """The object's lines (see text_lines), never read whole (inputs can be gigabytes)."""
    where = Location.parse(uri)
    if where.bucket is None:
        path = Path(where.key)
        if not path.is_file():
            raise StoreKeyNotFound(f"input {uri} not found")
        with path.open("rb") as handle:
            yield text_lines(handle, uri)
        return
    body: Any = (client or s3_client()).get_object(Bucket=where.bucket, Key=where.key)["Body"]
    try:
        yield text_lines(body, uri)
    finally:
        body.close()
