"""How job inputs are cut into records: the same lines from a local file and from S3, split at
"\n" alone, and a non-UTF-8 input named, never decoded into U+FFFD (issue 19, item 6)."""

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.jobs import locations
from shared.jobs.locations import InputNotUtf8, open_text, text_lines
from shared.jobs.records import records
from shared.jobs.spec import InputFormat

# JSON allows these raw inside a string: str.splitlines() would cut each record in two.
TEXTS = ["line\u2028separator", "paragraph\u2029separator", "next\x85line", "form\x0cfeed"]
JSONL = "".join(
    json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\r\n" for i, t in enumerate(TEXTS)
)


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="jobs")
        yield client


def _read(uri: str, fmt: InputFormat, client: Any = None) -> list[Any]:
    with open_text(uri, client) as handle:
        return list(records(handle, fmt))


def test_unicode_line_separators_stay_inside_their_record_in_s3_as_locally(
    s3: Any, tmp_path: Path
) -> None:
    # GIVEN the same JSONL, with CRLF endings, in a local file and in S3
    local = tmp_path / "day.jsonl"
    local.write_bytes(JSONL.encode())
    s3.put_object(Bucket="jobs", Key="day.jsonl", Body=JSONL.encode())
    # WHEN each reader reads it
    from_s3 = _read("s3://jobs/day.jsonl", "jsonl", s3)
    from_disk = _read(str(local), "jsonl")
    # THEN each line is one record, its text whole, in both
    assert from_s3 == from_disk == [{"id": i, "text": t} for i, t in enumerate(TEXTS)]


def test_a_csv_cell_holding_a_line_separator_is_one_row_in_s3_as_locally(
    s3: Any, tmp_path: Path
) -> None:
    body = 'id,text\r\n1,a\u2028b\r\n2,"quoted\nnewline"\r\n3,c\x85d\r\n'.encode()
    (tmp_path / "day.csv").write_bytes(body)
    s3.put_object(Bucket="jobs", Key="day.csv", Body=body)
    expected = [
        {"id": "1", "text": "a\u2028b"},
        {"id": "2", "text": "quoted\nnewline"},
        {"id": "3", "text": "c\x85d"},
    ]
    assert (
        _read("s3://jobs/day.csv", "csv", s3) == _read(str(tmp_path / "day.csv"), "csv") == expected
    )


@pytest.mark.parametrize("chunk", [1, 2, 7, 1 << 16])
def test_lines_are_the_same_whatever_the_read_size(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # GIVEN lines of several lengths, a last one without its "\n", read a few bytes at a time
    monkeypatch.setattr(locations, "READ_CHUNK_BYTES", chunk)
    data = "a\n\nbé\u2028c\r\n" + "x" * 20 + "\nlast"
    # THEN the lines are those of bytes split at "\n" alone
    assert list(text_lines(io.BytesIO(data.encode()), "mem")) == [
        "a\n",
        "\n",
        "bé\u2028c\r\n",
        "x" * 20 + "\n",
        "last",
    ]


@pytest.mark.parametrize("where", ["local", "s3"])
def test_latin_1_input_is_refused_naming_its_line(where: str, s3: Any, tmp_path: Path) -> None:
    # GIVEN a Latin-1 export: its second line has "é" as the single byte 0xE9
    body = '{"text": "fine"}\n{"text": "caf\u00e9"}\n'.encode("latin-1")
    (tmp_path / "day.jsonl").write_bytes(body)
    s3.put_object(Bucket="jobs", Key="day.jsonl", Body=body)
    uri = str(tmp_path / "day.jsonl") if where == "local" else "s3://jobs/day.jsonl"
    # WHEN it is read THEN it is refused, naming the input, the line and the byte
    with pytest.raises(InputNotUtf8, match=r"is not UTF-8: line 2 has byte 0xE9"):
        _read(uri, "jsonl", s3)
