"""What was answered, handed to whatever acts on it or keeps it (escalation events, capture,
rollout comparison) once the model has answered.

Listeners run on the request's path, so each must only look and enqueue: the slow part (a
network call, a file write) belongs to its own thread. A listener that raises is logged and
counted; the client's answer never depends on one.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.observability import logger, metric_names, metrics


@dataclass(frozen=True)
class Answer:
    """One request's answer: its items (validated, in order) and the model's outputs for them."""

    model: str
    version: str
    kind: str
    items: list[Any]
    outputs: list[BaseModel]
    client: str | None  # the client key's name; None when anonymous
    request_id: str | None
    # The caller's own reference (body `metadata`, `X-Reference`): shared/events/reference.py.
    metadata: Mapping[str, Any] | None = None


Listener = Callable[[Answer], None]


class AnswerListeners:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def add(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def publish(self, answer: Answer) -> None:
        for listener in self._listeners:
            try:
                listener(answer)
            except Exception:  # an observer's bug must not become the client's 500
                logger.exception("Answer listener failed", extra={"model": answer.model})
                metrics.add(metric_names.ANSWER_LISTENER_FAILURE, 1, model=answer.model)


NO_LISTENERS = AnswerListeners()
