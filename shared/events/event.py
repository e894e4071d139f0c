"""An escalation event: what one rule saw in one item's answer, and who asked.

The body (EventBridge's `detail`, a JSONL line locally) holds the rule, the request id, the
client, the model and version, the item's index in the request, a short summary of the answer
(`label`, `value`, `confidence`: see `summary`), the caller's `metadata` and the time. The text
is added only when the rule asks for it, cut to `MAX_TEXT_BYTES` so an event always fits in one
EventBridge entry (256 KiB).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.events.rules import Rule
from shared.kinds.anomaly import AnomalyPrediction
from shared.kinds.classification import ModelPrediction
from shared.kinds.ranking import RankingPrediction
from shared.kinds.regression import RegressionPrediction
from shared.serving.answers import Answer

SOURCE = "inferno.mlaas"
DETAIL_TYPE = "Escalation"
MAX_TEXT_BYTES = 128 << 10


@dataclass(frozen=True)
class Escalation:
    """One event to send; `model` and `rule` name its metrics."""

    model: str
    rule: str
    detail: dict[str, Any]


def escalation(answer: Answer, index: int, rule: Rule) -> Escalation:
    item, output = answer.items[index], answer.outputs[index]
    detail: dict[str, Any] = {
        "rule": rule.name,
        "request_id": answer.request_id,
        "client": answer.client,
        "model": answer.model,
        "version": answer.version,
        "kind": answer.kind,
        "item": index,
        **summary(rule, output),
        "metadata": dict(answer.metadata) if answer.metadata else None,
        "time": now(),
    }
    text = text_of(item) if rule.include_text else None
    if text is not None:
        detail["text"], detail["text_truncated"] = cut(text, MAX_TEXT_BYTES)
    return Escalation(answer.model, rule.name, detail)


def summary(rule: Rule, output: BaseModel) -> dict[str, Any]:
    """`label`, `value` and `confidence` of one answer, whatever its kind: a classifier's label
    and confidence; a regressor's value; an anomaly scorer's flag (`anomaly` or `normal`) and
    score; a ranker's item the rule names, and its score."""
    label: str | None = None
    value: float | None = None
    confidence: float | None = None
    if isinstance(output, ModelPrediction):
        label, confidence = output.label, output.confidence
    elif isinstance(output, RegressionPrediction):
        value = output.value
    elif isinstance(output, AnomalyPrediction):
        label, value = ("anomaly" if output.anomaly else "normal"), output.score
    elif isinstance(output, RankingPrediction):
        wanted = getattr(rule.when, "item", None)
        found = next((ranked for ranked in output.items if ranked.item == wanted), None)
        if found is not None:
            label, value = found.item, found.score
    return {"label": label, "value": value, "confidence": confidence}


def text_of(item: Any) -> str | None:
    """The text of a validated item: a text model's string, or a ranker's (text, k)."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple) and item and isinstance(item[0], str):
        return item[0]
    return None


def cut(text: str, limit: int) -> tuple[str, bool]:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text, False
    return encoded[:limit].decode("utf-8", errors="ignore"), True


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
