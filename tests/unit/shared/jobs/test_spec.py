"""The pure parts of bulk jobs: model references, formats, record keys, ItemBatcher's batching."""

import io

import pytest

from handlers.cli.jobs.batches import batches, item_bytes
from shared.jobs.records import as_items, csv_records, jsonl_records
from shared.jobs.scoring import model_input, record_key
from shared.jobs.spec import JobSpec, JobSpecError, ModelRef, input_format
from shared.manifest import FeatureSpec, TabularInputSchema, TextInputSchema


@pytest.mark.parametrize(
    ("text", "name", "alias", "version"),
    [
        ("sentiment", "sentiment", "production", None),
        ("sentiment@staging", "sentiment", "staging", None),
        ("sentiment:20260101T000000Z-ab12", "sentiment", None, "20260101T000000Z-ab12"),
    ],
)
def test_a_model_reference_names_an_alias_or_a_version(
    text: str, name: str, alias: str | None, version: str | None
) -> None:
    # GIVEN a --model argument WHEN parsed THEN it names the model and either an alias or a version
    ref = ModelRef.parse(text)
    assert (ref.name, ref.alias, ref.version) == (name, alias, version)


@pytest.mark.parametrize("text", ["", "Sentiment", "sentiment@", "a b", "sentiment@x@y"])
def test_a_malformed_model_reference_is_refused(text: str) -> None:
    with pytest.raises(JobSpecError, match="NAME, NAME@ALIAS or NAME:VERSION"):
        ModelRef.parse(text)


def test_the_format_comes_from_the_flag_else_the_name() -> None:
    assert input_format("s3://b/in/day.csv") == "csv"
    assert input_format("in/day.jsonl") == "jsonl"
    assert input_format("in/folder/") == "jsonl"
    assert input_format("in/data.txt", "CSV") == "csv"
    with pytest.raises(JobSpecError):
        input_format("in/x", "parquet")


def test_jsonl_skips_blank_lines_and_keeps_a_broken_line_as_text() -> None:
    # GIVEN JSONL with a blank line and a line that is not JSON
    lines = ['{"text": "a"}\n', "\n", "{broken\n", "[1]\n"]
    # WHEN read THEN positions count only non-blank lines; the broken line stays a string
    items = list(as_items(jsonl_records(lines), start=10))
    assert items == [
        {"position": 10, "record": {"text": "a"}},
        {"position": 11, "record": "{broken"},
        {"position": 12, "record": [1]},
    ]


def test_csv_rows_are_objects_of_strings_and_extra_columns_are_named() -> None:
    rows = list(csv_records(io.StringIO('id,text\n7,"hello, you"\n8,b,surplus\n')))
    assert rows[0] == {"id": "7", "text": "hello, you"}
    assert rows[1]["_extra_columns"] == ["surplus"]


def test_the_key_is_the_id_else_the_position() -> None:
    assert record_key({"id": "txn-1", "text": "x"}, 0, "id") == "txn-1"
    assert record_key({"id": 42}, 0, "id") == 42
    assert record_key({"id": True}, 4, "id") == 4  # a boolean is not an id
    assert record_key({"id": ""}, 4, "id") == 4
    assert record_key({"text": "x"}, 9, "id") == 9  # 0-based, as `position`
    assert record_key("{broken", 0, "id") == 0


def _job(**overrides: object) -> JobSpec:
    base: dict[str, object] = {
        "job_id": "j",
        "input": "in.csv",
        "output": "out",
        "format": "csv",
        "model": {"name": "risk", "version": "1"},
        "requested_model": "risk@production",
        "started_at": "2026-01-01T00:00:00.000Z",
        "keep": ["region"],
    }
    return JobSpec.model_validate({**base, **overrides})


def test_the_model_input_is_the_fields_the_model_knows_with_csv_numbers_parsed() -> None:
    # GIVEN a CSV row for a tabular model (every value a string)
    features = [FeatureSpec(name="age", type="int"), FeatureSpec(name="x")]
    schema = TabularInputSchema(features=features)
    row = {"id": "1", "region": "eu", "age": "42", "x": "0.5", "note": "n/a"}
    # WHEN turned into the model's input THEN numbers are numbers, the other columns left out
    assert model_input(row, _job(), schema) == {"age": 42, "x": 0.5}
    # AND a text model takes its text field, whatever else a ticket export holds
    ticket = {"ticket_id": "T-1", "customer": "acme", "date": "2026-12-01", "text": "slow"}
    assert model_input(ticket, _job(), TextInputSchema()) == {"text": "slow"}
    assert model_input({"age": "old"}, _job(), schema) == {"age": "old"}
    # AND JSONL values are passed as they are
    assert model_input({"age": "42"}, _job(format="jsonl"), schema) == {"age": "42"}


def test_batches_close_at_the_item_count_or_the_byte_budget() -> None:
    items = [{"position": i, "record": {"text": "x" * 50}} for i in range(10)]
    size = item_bytes(items[0]) + 1
    by_count = [len(b) for b in batches(items, max_items=4, max_bytes=10**6)]
    by_bytes = [len(b) for b in batches(items, max_items=100, max_bytes=3 * size)]
    assert by_count == [4, 4, 2]
    assert by_bytes == [3, 3, 3, 1]
    # AND an item larger than the budget still travels, alone
    assert [len(b) for b in batches(items[:2], max_items=100, max_bytes=1)] == [1, 1]
