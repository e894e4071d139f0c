"""Captured predictions and feedback of one model in a window, read partition by partition
(the layout of the issue 21 contract):

    predictions/model=<model>/version=<version>/date=YYYY-MM-DD/hour=HH/<any>
    feedback/model=<model>/date=YYYY-MM-DD/hour=HH/<any>

Only the partitions the window touches are listed; each record's own `time` decides."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from handlers.cli.drift.records import Tally, records
from handlers.cli.drift.sources import CaptureSource
from handlers.cli.drift.window import Window, parse_time
from shared.drift.errors import DriftInputError


def versions(source: CaptureSource, model: str) -> list[str]:
    prefix = f"predictions/model={model}"
    return [
        name.partition("=")[2] for name in source.children(prefix) if name.startswith("version=")
    ]


def predictions(
    source: CaptureSource, model: str, version: str, span: Window, tally: Tally
) -> Iterator[dict[str, Any]]:
    return _read(source, f"predictions/model={model}/version={version}", span, tally)


def feedback(
    source: CaptureSource, model: str, span: Window, tally: Tally
) -> Iterator[dict[str, Any]]:
    return _read(source, f"feedback/model={model}", span, tally)


def _read(
    source: CaptureSource, prefix: str, span: Window, tally: Tally
) -> Iterator[dict[str, Any]]:
    for date, hour in span.hours():
        for key in source.files(f"{prefix}/date={date}/hour={hour}"):
            for record in records(source.read(key), tally, key):
                moment = _time(record.get("time"))
                if moment is None:
                    tally.unreadable += 1
                elif moment in span:
                    yield record
                else:
                    tally.outside_window += 1


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except DriftInputError:
        return None
