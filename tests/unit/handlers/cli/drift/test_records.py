"""Captured objects as Firehose and the capture writer leave them: newline-ended records,
records run together, gzip; a broken part is counted and the rest still read."""

import gzip

from handlers.cli.drift.records import Tally, records


def read(data: bytes) -> tuple[list[dict[str, object]], Tally]:
    tally = Tally()
    return list(records(data, tally, "part")), tally


def test_newline_ended_and_concatenated_records_are_all_read() -> None:
    found, tally = read(b'{"a": 1}\n{"a": 2}{"a": 3}\n\n  {"a": 4}\n')
    assert [r["a"] for r in found] == [1, 2, 3, 4]
    assert tally.unreadable == 0


def test_gzip_objects_are_read_like_plain_ones() -> None:
    found, _ = read(gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    assert [r["a"] for r in found] == [1, 2]


def test_a_broken_line_is_counted_and_the_next_lines_are_read() -> None:
    found, tally = read(b'{"a": 1}\n{"a": tru\n[1, 2]\n{"a": 2}\n')
    assert [r["a"] for r in found] == [1, 2]
    assert tally.unreadable == 2  # the broken object and the array


def test_a_broken_gzip_object_is_counted_not_fatal() -> None:
    found, tally = read(gzip.compress(b'{"a": 1}\n')[:12])
    assert found == []
    assert tally.unreadable == 1 and tally.notes == ["part: not a readable gzip object"]
