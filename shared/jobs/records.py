"""Input records as Distributed Map hands them to a child: `{"position", "record"}` items.

`position` is the item's 0-based index across the whole input (objects in key order, blank
lines skipped), as `$$.Map.Item.Index` is on AWS; it is the record's key when it has no id.
A JSONL line that is not JSON stays a string, so validation answers it as an error record: so
does one nested past what the parser can take, and one holding NaN or Infinity (not JSON, and
never written to an output line). A UTF-8 byte order mark (Excel's CSV) is not data.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from shared.jobs.spec import InputFormat

Item = dict[str, Any]
CSV_EXTRA_FIELD = "_extra_columns"


BOM = "\ufeff"


def jsonl_records(lines: Iterable[str]) -> Iterator[Any]:
    for line in _without_bom(lines):
        text = line.strip()
        if not text:
            continue
        try:
            yield json.loads(text, parse_constant=_not_json)
        except (ValueError, RecursionError):
            yield text


def csv_records(handle: IO[str]) -> Iterator[Any]:
    """Rows as objects keyed by the header, values as strings, as Distributed Map reads CSV."""
    yield from csv.DictReader(_without_bom(handle), restkey=CSV_EXTRA_FIELD)


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
        yield {"position": position, "record": record}
