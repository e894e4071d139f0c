"""This window's traffic as rows a report compares with the reference: a seeded, bounded sample
of the captured items (every item counts, at most `max_rows` are kept), and each request that
has feedback joined to its answer by request id."""

import random
from dataclasses import dataclass, field
from typing import Any

from handlers.cli.drift import captured
from handlers.cli.drift.records import Tally
from handlers.cli.drift.sources import CaptureSource
from handlers.cli.drift.window import Window
from shared.drift.columns import Row, row
from shared.drift.profile import ReferenceProfile

# Feedback held in memory to join (request id -> label, value); past it, later feedback is
# counted and not joined, so a flood of labels cannot exhaust the job's memory.
MAX_FEEDBACK = 1_000_000

Truth = tuple[str | None, float | None]


@dataclass
class Current:
    rows: list[Row] = field(default_factory=list)
    items: int = 0
    requests: int = 0
    pairs: list[tuple[Any, Truth]] = field(default_factory=list)
    feedback: int = 0
    feedback_not_held: int = 0
    feedback_multi_item: int = 0
    feedback_unmatched: int = 0  # requests labelled whose prediction was not captured (sampled)
    tally: Tally = field(default_factory=Tally)


def collect(
    source: CaptureSource,
    profile: ReferenceProfile,
    versions: list[str],
    span: Window,
    max_rows: int,
    seed: int = 0,
) -> Current:
    current = Current()
    truths = _feedback(source, profile.model, span, current)
    rng = random.Random(seed)
    for version in versions:
        for record in captured.predictions(source, profile.model, version, span, current.tally):
            current.requests += 1
            inputs, outputs = record.get("inputs") or [], record.get("outputs") or []
            for index, output in enumerate(outputs):
                slot = _reservoir_slot(current.items, max_rows, rng)
                current.items += 1
                if slot is not None:
                    item = inputs[index] if index < len(inputs) else {}
                    kept = row(profile.columns, profile.text_field, profile.kind, item, output)
                    _place(current.rows, slot, kept)
            _join(record, outputs, truths, current)
    current.feedback_unmatched = len(truths)
    return current


def _feedback(
    source: CaptureSource, model: str, span: Window, current: Current
) -> dict[str, Truth]:
    truths: dict[str, Truth] = {}
    for record in captured.feedback(source, model, span, current.tally):
        current.feedback += 1
        request_id = record.get("request_id")
        if not isinstance(request_id, str):
            current.tally.unreadable += 1
            continue
        if request_id not in truths and len(truths) >= MAX_FEEDBACK:
            current.feedback_not_held += 1
            continue
        label, value = record.get("label"), record.get("value")
        truths[request_id] = (
            str(label) if label is not None else None,
            float(value) if isinstance(value, int | float) else None,
        )  # records are read oldest first: a later correction wins
    return truths


def _join(
    record: dict[str, Any], outputs: list[Any], truths: dict[str, Truth], current: Current
) -> None:
    truth = truths.pop(str(record.get("request_id")), None)
    if truth is None:
        return
    if len(outputs) != 1:  # one label per request: only a one-item request is unambiguous
        current.feedback_multi_item += 1
        return
    current.pairs.append((outputs[0], truth))


def _reservoir_slot(seen: int, max_rows: int, rng: random.Random) -> int | None:
    """Where the item after `seen` goes in a uniform sample of `max_rows`, or None."""
    if seen < max_rows:
        return seen
    slot = rng.randrange(seen + 1)
    return slot if slot < max_rows else None


def _place(rows: list[Row], slot: int, kept: Row) -> None:
    if slot == len(rows):
        rows.append(kept)
    else:
        rows[slot] = kept
