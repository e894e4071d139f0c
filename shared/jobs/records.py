"""Input records as Distributed Map hands them to a child: `{"position", "record"}` items.

`position` is the item's 0-based index across the whole input (objects in key order, blank
lines skipped), as `$$.Map.Item.Index` is on AWS; it is the record's key when it has no id.
A JSONL line that is not JSON stays a string, so validation answers it as an error record: so
does one nested past what the parser can take, and one holding NaN or Infinity (not JSON, and
never written to an output line). A UTF-8 byte order mark (Excel's CSV) is not data. A record
holding bytes that are not UTF-8 (a latin-1 export) is answered with an error saying so, not
decoded into replacement characters that the model would score as if they were the text.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from shared.jobs.spec import InputFormat

Item = dict[str, Any]
CSV_EXTRA_FIELD = "_extra_columns"
UNREADABLE = "unreadable"  # an item's key: why its record could not be read


BOM = "\ufeff"
# What locations.open_text leaves of a byte that is not UTF-8 (its surrogateescape reading).
UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Unreadable:
    """A record that cannot be read as text; its item carries `reason` instead of a record."""

    reason: str


def jsonl_records(lines: Iterable[str]) -> Iterator[Any]:
    for line in _without_bom(lines):
        text = line.strip()
        if not text:
            continue
        if unreadable := _undecoded(text, "line"):
            yield unreadable
            continue
        try:
            yield json.loads(text, parse_constant=_not_json)
        except (ValueError, RecursionError):
            yield text


def csv_records(handle: IO[str]) -> Iterator[Any]:
    """Rows as objects keyed by the header, values as strings, as Distributed Map reads CSV."""
    for row in csv.DictReader(_without_bom(handle), restkey=CSV_EXTRA_FIELD):
        yield next(filter(None, (_undecoded(cell, "row") for cell in _cells(row))), row)


def _cells(row: dict[str, Any]) -> Iterator[str]:
    """The header's names and the row's values, extra columns (a list) included."""
    yield from row
    for value in row.values():
        if isinstance(value, list):
            yield from value
        elif isinstance(value, str):
            yield value


def _undecoded(text: str, what: str) -> Unreadable | None:
    found = UNDECODED_BYTE.search(text)
    if found is None:
        return None
    byte = ord(found.group()) - 0xDC00
    return Unreadable(
        f"{what} is not UTF-8 text (byte 0x{byte:02X} in {text[: found.start()][-20:]!r}...); "
        "re-encode the input as UTF-8"
    )


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return
    yield first.removeprefix(BOM)
    yield from iterator


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def records(handle: IO[str], fmt: InputFormat) -> Iterator[Any]:
    return csv_records(handle) if fmt == "csv" else jsonl_records(handle)


def as_items(values: Iterable[Any], start: int = 0) -> Iterator[Item]:
    for position, record in enumerate(values, start):
        if isinstance(record, Unreadable):
            yield {"position": position, "record": None, UNREADABLE: record.reason}
        else:
            yield {"position": position, "record": record}
