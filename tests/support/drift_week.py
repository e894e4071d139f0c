"""A seeded week of captured traffic in the issue 21 layout (what the capture writer leaves):
the requests, the model's real answers to them, and feedback for a share of them."""

import hashlib
import json
import random
import sys
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from model_build.release.artifacts import read_manifest
from shared.serving.loaded_model import LoadedModel, load_verified

# The window every drift test reads: the week before this instant.
WEEK_END = datetime(2026, 11, 30, tzinfo=UTC)
WEEK = timedelta(days=7)
TextMode = Literal["keep", "hash", "drop"]


def load_model(directory: Path) -> LoadedModel:
    manifest = read_manifest(directory)
    return load_verified(manifest, (directory / manifest.artifact).read_bytes())


def write_week(
    root: Path,
    model: LoadedModel,
    items: Sequence[dict[str, Any]],
    labels: Sequence[str | None],
    *,
    seed: int,
    feedback_share: float = 0.0,
    text: TextMode = "keep",
) -> dict[str, Any]:
    """One request per item over the week before WEEK_END, answered by `model`; a
    `feedback_share` of them labelled (when the label is known) a few minutes later. Returns
    the counts, and how many labelled answers were right (what live accuracy must find)."""
    rng = random.Random(seed)
    answers = _answers(model, items)
    by_hour: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    feedback: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    correct = 0
    for item, answer, label in zip(items, answers, labels, strict=True):
        moment = WEEK_END - WEEK + timedelta(seconds=rng.uniform(0, WEEK.total_seconds() - 600))
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        record = _prediction(model, request_id, moment, _captured(item, model, text), answer)
        by_hour[_partition(moment)].append(record)
        if label is not None and rng.random() < feedback_share:
            later = moment + timedelta(minutes=rng.uniform(1, 9))
            feedback[_partition(later)].append(_feedback(model, request_id, later, label))
            correct += answer.get("label") == label
    base = f"model={model.name}"
    _write(root / "predictions" / base / f"version={model.version}", by_hour)
    _write(root / "feedback" / base, feedback)
    labelled = sum(len(records) for records in feedback.values())
    return {"requests": len(items), "feedback": labelled, "correct": correct}


def _answers(model: LoadedModel, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    inputs = [model.kind.validate(model.manifest, item, sys.maxsize) for item in items]
    outputs = [
        out for at in range(0, len(inputs), 500) for out in model.predict(inputs[at : at + 500])
    ]
    return [output.model_dump(mode="json") for output in outputs]


def _captured(item: dict[str, Any], model: LoadedModel, text: TextMode) -> dict[str, Any]:
    field = getattr(model.manifest.input_schema, "field", None)
    if field is None or text == "keep":
        return dict(item)
    if text == "hash":
        return {"text_sha256": hashlib.sha256(item[field].encode()).hexdigest()}
    return {}


def _prediction(
    model: LoadedModel, request_id: str, moment: datetime, item: Any, answer: Any
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "time": _iso(moment),
        "model": model.name,
        "version": model.version,
        "kind": model.manifest.kind,
        "client": "acme",
        "inputs": [item],
        "outputs": [answer],
    }


def _feedback(model: LoadedModel, request_id: str, moment: datetime, label: str) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "time": _iso(moment),
        "model": model.name,
        "version": model.version,
        "client": "acme",
        "label": label,
        "value": None,
    }


def _partition(moment: datetime) -> tuple[str, str]:
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H")


def _write(base: Path, records: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
    for (date, hour), found in records.items():
        folder = base / f"date={date}" / f"hour={hour}"
        folder.mkdir(parents=True, exist_ok=True)
        found.sort(key=lambda record: record["time"])
        lines = "".join(json.dumps(record) + "\n" for record in found)
        (folder / "part-00000.jsonl").write_text(lines)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- What a drifted week of customer texts looks like: angry, shouted, about orders. ----------

_ITEMS = ["ORDER", "PARCEL", "REFUND", "INVOICE", "ACCOUNT", "SUBSCRIPTION", "DELIVERY"]
_COMPLAINTS = [
    "STILL NOT ARRIVED",
    "CHARGED TWICE",
    "BROKEN ON ARRIVAL",
    "CANCELLED WITHOUT NOTICE",
    "NOBODY ANSWERS THE PHONE",
    "WORST SERVICE EVER",
    "COMPLETELY USELESS",
]
_ENDINGS = ["!!!", "!!!!", "?!?!", "!! FIX THIS NOW!!", "!!! I WANT MY MONEY BACK!!!"]


def angry_texts(count: int, seed: int) -> list[str]:
    """Short shouted complaints with ticket numbers: what a week of an outage brings."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(_ITEMS)} #{rng.randint(10000, 99999)} {rng.choice(_COMPLAINTS)}"
        f"{rng.choice(_ENDINGS)} {rng.choice(_COMPLAINTS)}{rng.choice(_ENDINGS)}"
        for _ in range(count)
    ]
