"""Captured objects as records: JSON objects one after another, as the capture writer and
Firehose leave them (each record ends with a newline; concatenated objects are read too), plain
or gzip-compressed. A part that is not a JSON object is counted, never fatal."""

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_DECODER = json.JSONDecoder()
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Tally:
    """What reading skipped: unreadable parts and records outside the window."""

    unreadable: int = 0
    outside_window: int = 0
    notes: list[str] = field(default_factory=list)


def records(data: bytes, tally: Tally, where: str) -> Iterator[dict[str, Any]]:
    text = _text(data, tally, where)
    position, end = 0, len(text)
    while position < end:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return
        try:
            found, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            tally.unreadable += 1
            newline = text.find("\n", position)
            position = end if newline < 0 else newline + 1
            continue
        if isinstance(found, dict):
            yield found
        else:
            tally.unreadable += 1


def _text(data: bytes, tally: Tally, where: str) -> str:
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            tally.unreadable += 1
            tally.notes.append(f"{where}: not a readable gzip object")
            return ""
    return data.decode("utf-8", errors="replace")
