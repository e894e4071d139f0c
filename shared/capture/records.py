"""Captured records and where they go: the layout the drift report reads (README.md here).

    predictions/model=<model>/version=<version>/date=YYYY-MM-DD/hour=HH/<any>.jsonl
    feedback/model=<model>/date=YYYY-MM-DD/hour=HH/<any>.jsonl

One JSON object per line, every record ending with "\\n" (Firehose concatenates records as
they come). On AWS Firehose's dynamic partitioning builds the same folders from the records'
own fields (iac/capture.tf); `folder` is the one both follow.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Literal

from shared.kinds.ranking import RankingInput
from shared.serving.answers import Answer

Stream = Literal["predictions", "feedback"]
TextMode = Literal["keep", "hash", "drop"]
PREDICTIONS: Stream = "predictions"
FEEDBACK: Stream = "feedback"


def stamp(at: float) -> str:
    """UTC time with milliseconds, as records carry it: 2026-12-06T10:57:53.123Z."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def prediction_record(answer: Answer, at: float, text: TextMode) -> dict[str, Any]:
    return {
        "request_id": answer.request_id,
        "time": stamp(at),
        "model": answer.model,
        "version": answer.version,
        "kind": answer.kind,
        "client": answer.client,
        "inputs": [captured_input(item, text) for item in answer.items],
        "outputs": [output.model_dump(mode="json") for output in answer.outputs],
    }


def feedback_record(
    request_id: str,
    at: float,
    model: str,
    version: str | None,
    client: str | None,
    label: str | None = None,
    value: float | None = None,
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "time": stamp(at),
        "model": model,
        "version": version,
        "client": client,
        "label": label,
        "value": value,
    }


def captured_input(item: Any, text: TextMode) -> dict[str, Any]:
    """A text as CAPTURE_TEXT says, a feature dict as it is; a ranker's item with its `k`."""
    if isinstance(item, str):
        if text == "keep":
            return {"text": item}
        if text == "hash":
            return {"text_sha256": hashlib.sha256(item.encode()).hexdigest()}
        return {}
    if isinstance(item, dict):
        return dict(item)
    if isinstance(item, RankingInput):
        return {**captured_input(item.value, text), "k": item.k}
    return {"value": item}


# Line breaks to Python's str.splitlines (and to JavaScript before ES2019), legal raw in JSON:
# escaped, so a record is one line to every reader.
_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def encode(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, separators=(",", ":"), ensure_ascii=False).translate(_BREAKS)
    return (text + "\n").encode()


def folder(stream: Stream, record: dict[str, Any]) -> str:
    """The record's partition, relative to the capture root, ending with "/"."""
    date, hour = record["time"][0:10], record["time"][11:13]
    version = f"version={record['version']}/" if stream == PREDICTIONS else ""
    return f"{stream}/model={record['model']}/{version}date={date}/hour={hour}/"
