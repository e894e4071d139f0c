"""Escalations: the answer listener that turns matching answers into events.

On the request path it only looks (the model's rules, a few comparisons per item) and offers
each event to the outbox; rules are read and events sent on threads of their own. In Lambda,
where no thread runs between invocations, `around_invocation` reads the rules when due before
the invocation and sends its events before it returns.
"""

import functools
from collections.abc import Callable, Iterable
from typing import Any

from shared.events.event import escalation
from shared.events.outbox import Outbox
from shared.events.rulebook import RuleBook
from shared.events.sinks import EventBridgeSink, JsonlSink, Sink
from shared.observability import logger
from shared.serving.answers import Answer
from shared.settings import Settings
from shared.store import ModelStore

# Within ECS's stopTimeout (30 s) after uvicorn's graceful drain (20 s).
SHUTDOWN_FLUSH_SECONDS = 5.0
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Escalations:
    def __init__(self, book: RuleBook, outbox: Outbox) -> None:
        self.book = book
        self.outbox = outbox
        self._mismatched: set[tuple[str, str]] = set()

    def __call__(self, answer: Answer) -> None:
        rules = self.book.rules_for(answer.model)
        if not rules:
            return
        for rule in rules:
            if rule.when.kind != answer.kind:
                self._mismatch(answer, rule.name, rule.when.kind)
                continue
            for index, output in enumerate(answer.outputs):
                if rule.when.matches(output):
                    self.outbox.offer(escalation(answer, index, rule))

    def _mismatch(self, answer: Answer, rule: str, kind: str) -> None:
        if (answer.model, rule) in self._mismatched:
            return
        self._mismatched.add((answer.model, rule))
        logger.warning(
            "Escalation rule is for another kind of model; it never matches",
            extra={"model": answer.model, "rule": rule, "rule_kind": kind, "kind": answer.kind},
        )

    def start(self) -> None:
        logger.info("Escalation events", extra={"sink": self.outbox.sink.describe()})
        self.book.start()
        self.outbox.start()

    def stop(self) -> None:
        self.book.stop()
        self.outbox.stop(SHUTDOWN_FLUSH_SECONDS)

    def around_invocation(self, handler: Handler) -> Handler:
        """Lambda: rules read when due before, this invocation's events sent before it returns
        (a frozen environment runs no thread, and may never thaw)."""

        @functools.wraps(handler)
        def sending(event: dict[str, Any], context: Any) -> dict[str, Any]:
            self.book.refresh_if_due()
            try:
                return handler(event, context)
            finally:
                self.outbox.drain()

        return sending


def sink_from_settings(settings: Settings) -> Sink:
    if settings.events_bus_name:
        return EventBridgeSink(settings.events_bus_name, settings.events_max_attempts)
    return JsonlSink(settings.events_file)


def escalations_from_settings(
    settings: Settings, store: ModelStore, models: Callable[[], Iterable[str]]
) -> Escalations:
    """`models`: the names of the served models, whose rules are read."""
    book = RuleBook(store, models, settings.events_rules_refresh_seconds)
    return Escalations(book, Outbox(sink_from_settings(settings), settings.events_buffer_size))
