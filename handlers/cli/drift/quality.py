"""Live quality: captured answers against the feedback joined to them. Accuracy for a
classifier (and an anomaly flag labelled true/false), mean absolute error for a regressor."""

from collections.abc import Sequence
from typing import Any

from handlers.cli.drift.current import Truth


def live_quality(kind: str, pairs: Sequence[tuple[Any, Truth]]) -> dict[str, Any] | None:
    """None when no feedback joined (nothing to say, rather than a 0 that looks like a score)."""
    if kind == "regression":
        errors = [
            abs(float(answer["value"]) - value)
            for answer, (_, value) in pairs
            if value is not None and isinstance(answer.get("value"), int | float)
        ]
        return _result("mae", sum(errors) / len(errors), len(errors)) if errors else None
    field = {"classification": "label", "anomaly": "anomaly"}.get(kind)
    if field is None:
        return None
    hits = [_same(answer.get(field), label) for answer, (label, _) in pairs if label is not None]
    return _result("accuracy", sum(hits) / len(hits), len(hits)) if hits else None


def _same(predicted: Any, label: str) -> bool:
    if isinstance(predicted, bool):
        return str(predicted).lower() == label.strip().lower()
    return str(predicted) == label


def _result(metric: str, value: float, count: int) -> dict[str, Any]:
    return {"metric": metric, "value": round(value, 6), "count": count}
