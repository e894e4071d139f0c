"""A window's captured traffic as the rows a report compares: bounded, with hashed text left
without descriptors, and feedback joined only where one label names one answer."""

import json
from pathlib import Path
from typing import Any

from handlers.cli.drift.current import collect
from handlers.cli.drift.sources import LocalSource
from handlers.cli.drift.window import window
from shared.drift.columns import columns_for
from shared.drift.profile import ReferenceProfile
from shared.manifest import TextInputSchema

SPAN = window("1d", "2026-11-30T00:00:00Z")


def profile() -> ReferenceProfile:
    columns = columns_for(TextInputSchema(), "classification")
    return ReferenceProfile(
        model="m", version="v1", kind="classification", text_field="text",
        descriptors="text-v1", source_rows=0, seed=0, columns=columns,
        data={c.name: [] for c in columns},
    )  # fmt: skip


def answer(label: str) -> dict[str, Any]:
    return {"label": label, "confidence": 0.9, "probabilities": {label: 0.9}}


def write(root: Path, prefix: str, hour: str, records: list[dict[str, Any]]) -> None:
    folder = root / prefix / f"date=2026-11-29/hour={hour}"
    folder.mkdir(parents=True)
    (folder / "part.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def prediction(request_id: str, time: str, inputs: list[Any], labels: list[str]) -> dict[str, Any]:
    return {
        "request_id": request_id, "time": time, "model": "m", "version": "v1",
        "kind": "classification", "client": None, "inputs": inputs,
        "outputs": [answer(label) for label in labels],
    }  # fmt: skip


def test_feedback_joins_one_item_requests_and_later_labels_win(tmp_path: Path) -> None:
    write(tmp_path, "predictions/model=m/version=v1", "10", [
        prediction("r1", "2026-11-29T10:00:00.000Z", [{"text": "Fine!"}], ["positive"]),
        prediction("r2", "2026-11-29T10:01:00.000Z", [{}, {}], ["negative", "positive"]),
        prediction("r3", "2026-11-29T10:02:00Z", [{"text_sha256": "ab"}], ["negative"]),
        prediction("old", "2026-11-20T10:02:00Z", [{"text": "x"}], ["negative"]),
    ])  # fmt: skip
    write(tmp_path, "feedback/model=m", "11", [
        {"request_id": "r1", "time": "2026-11-29T11:00:00Z", "label": "negative"},
        {"request_id": "r1", "time": "2026-11-29T11:05:00Z", "label": "positive"},
        {"request_id": "r2", "time": "2026-11-29T11:06:00Z", "label": "positive"},
        {"request_id": "gone", "time": "2026-11-29T11:07:00Z", "label": "positive"},
    ])  # fmt: skip
    current = collect(LocalSource(tmp_path), profile(), ["v1"], SPAN, max_rows=100)
    assert (current.requests, current.items) == (3, 4)
    assert current.pairs == [(answer("positive"), ("positive", None))]  # the correction won
    assert current.feedback_multi_item == 1 and current.feedback_unmatched == 1
    assert current.tally.outside_window == 1
    kept, hashed = current.rows[0], current.rows[3]
    assert kept["text_length"] == 5.0 and kept["prediction_label"] == "positive"
    assert hashed["text_length"] is None and hashed["prediction_label"] == "negative"


def test_every_item_counts_and_at_most_max_rows_are_kept(tmp_path: Path) -> None:
    records = [
        prediction(f"r{i}", f"2026-11-29T03:{i:02d}:00Z", [{"text": "a " * i}], ["positive"])
        for i in range(50)
    ]
    write(tmp_path, "predictions/model=m/version=v1", "03", records)
    first = collect(LocalSource(tmp_path), profile(), ["v1"], SPAN, max_rows=10)
    again = collect(LocalSource(tmp_path), profile(), ["v1"], SPAN, max_rows=10)
    assert first.items == 50 and len(first.rows) == 10
    assert first.rows == again.rows  # seeded
    assert max(float(r["word_count"] or 0) for r in first.rows) > 9  # not only the first 10
