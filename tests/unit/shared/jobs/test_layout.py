"""The output layout: a batch's part is named by its first record, lines are compact JSON."""

import json
from typing import Any

from shared.jobs.layout import PARTS_DIR, jsonl, part_key


def test_parts_sort_in_record_order_and_a_retried_batch_keeps_its_name() -> None:
    firsts = [0, 7, 250, 10_000, 3_000_000]
    keys = [part_key(first) for first in firsts]
    assert keys == sorted(keys) == [part_key(first) for first in firsts]
    assert keys[2] == f"{PARTS_DIR}/part-000000000250.jsonl"


def test_jsonl_writes_one_compact_line_per_record() -> None:
    lines: list[dict[str, Any]] = [{"key": "a", "position": 0}, {"key": "b\nc", "label": "ok"}]
    data = jsonl(lines)
    assert data.endswith(b"\n") and data.count(b"\n") == 2
    assert b", " not in data and b": " not in data
    assert [json.loads(line) for line in data.splitlines()] == lines
    assert jsonl([]) == b""
