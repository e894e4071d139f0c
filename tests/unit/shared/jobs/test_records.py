"""How job input is read: the same records from a local file and from S3, lines ended only where
a line ends, and bytes that are not UTF-8 answered as such (issue 19, item 6)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.jobs.batch import run_batch
from shared.jobs.locations import open_text
from shared.jobs.records import UNREADABLE, as_items, records
from shared.jobs.spec import InputFormat
from shared.jobs.start import start_job
from shared.store.local import LocalStore

# Separators str.splitlines() honours but a JSONL or CSV reader must not: each is text here.
INSIDE_TEXT = ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"]


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="jobs")
        yield client


def read_both(s3: Any, tmp_path: Path, data: bytes, fmt: InputFormat) -> list[dict[str, Any]]:
    """The items a local file and the same bytes in S3 give; they must be the same."""
    local = tmp_path / f"input.{fmt}"
    local.write_bytes(data)
    s3.put_object(Bucket="jobs", Key=f"input.{fmt}", Body=data)
    with open_text(str(local)) as handle:
        from_disk = list(as_items(records(handle, fmt)))
    with open_text(f"s3://jobs/input.{fmt}", s3) as handle:
        from_s3 = list(as_items(records(handle, fmt)))
    assert from_s3 == from_disk
    return from_disk


@pytest.mark.parametrize("separator", INSIDE_TEXT, ids=[f"U+{ord(c):04X}" for c in INSIDE_TEXT])
def test_a_unicode_line_separator_inside_a_record_is_text_not_a_new_record(
    s3: Any, tmp_path: Path, separator: str
) -> None:
    texts = [f"first{separator}half", "second", f"third {separator}"]
    data = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts).encode()
    items = read_both(s3, tmp_path, data, "jsonl")
    assert [item["record"] for item in items] == [{"text": t} for t in texts]
    assert [item["position"] for item in items] == [0, 1, 2]


def test_windows_line_endings_and_quoted_newlines_in_csv_read_alike(
    s3: Any, tmp_path: Path
) -> None:
    data = 'id,text\r\n1,"line one\r\nline two"\r\n2,plain\u2028\r\n'.encode()
    items = read_both(s3, tmp_path, data, "csv")
    assert [item["record"] for item in items] == [
        {"id": "1", "text": "line one\r\nline two"},
        {"id": "2", "text": "plain\u2028"},
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_latin1_record_is_an_error_saying_so_and_its_neighbours_are_read(
    s3: Any, tmp_path: Path, fmt: InputFormat
) -> None:
    lines = ['{"text": "fine"}', '{"text": "caf\u00e9"}', '{"text": "also fine"}']
    if fmt == "csv":
        lines = ["text", "fine", "caf\u00e9", "also fine"]
    data = b"\n".join(line.encode("latin-1" if "\u00e9" in line else "utf-8") for line in lines)
    items = read_both(s3, tmp_path, data, fmt)
    assert [item["position"] for item in items] == [0, 1, 2]
    assert UNREADABLE not in items[0] and UNREADABLE not in items[2]
    assert items[1]["record"] is None
    assert "not UTF-8" in items[1][UNREADABLE] and "0xE9" in items[1][UNREADABLE]


def test_an_unreadable_record_gets_an_error_line_at_its_position(
    local_store: LocalStore, tmp_path: Path
) -> None:
    local = tmp_path / "mixed.jsonl"
    local.write_bytes(b'{"text": "I love it"}\n{"text": "d\xe9test\xe9"}\n{"text": "Awful"}\n')
    job = start_job(
        local_store,
        job_id="j",
        input_uri=str(local),
        output_uri=str(tmp_path / "out"),
        model="sentiment",
    )
    with open_text(str(local)) as handle:
        items = list(as_items(records(handle, "jsonl")))
    outcome = run_batch(
        {"Items": items, "BatchInput": {"job": job.model_dump()}}, local_store, 5000
    )
    assert (outcome["records"], outcome["errors"]) == (3, 1)
    lines = outcome["results"]
    assert [line["key"] for line in lines] == [0, 1, 2]
    assert ["label" in line for line in lines] == [True, False, True]
