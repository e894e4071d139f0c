"""A bounded buffer between the request path and a sink, emptied by one thread.

`offer` is all the request path does: an append under a lock, or, with the buffer full, a drop
that is counted (`EscalationCount`, outcome `dropped`) and logged once per run of drops. The
thread sends what is queued in batches, as soon as it is there; each event is counted `sent` or
`failed`. Where no thread may run between requests (Lambda), `drain` sends everything queued in
the caller's thread.
"""

import threading
from collections import deque

from shared.events.event import Escalation
from shared.events.sinks import Sink
from shared.observability import logger, metric_names, metrics

IDLE_WAKE_SECONDS = 1.0
STOP_JOIN_SECONDS = 1.0


class Outbox:
    def __init__(self, sink: Sink, capacity: int) -> None:
        self.sink = sink
        self.capacity = capacity
        self._items: deque[Escalation] = deque()
        self._changed = threading.Condition()
        self._in_flight = 0
        self._stopping = False
        self._dropping = False
        self._thread: threading.Thread | None = None

    def offer(self, event: Escalation) -> bool:
        with self._changed:
            full = len(self._items) >= self.capacity
            if not full:
                self._items.append(event)
                self._changed.notify()
        if full:
            _count(event, "dropped")
            if not self._dropping:
                logger.warning(
                    "Escalation buffer full: events are dropped until it drains",
                    extra={"capacity": self.capacity, "sink": self.sink.describe()},
                )
        self._dropping = full
        return not full

    def queued(self) -> int:
        return len(self._items)

    def drain(self) -> None:
        """Send everything queued now, in this thread (Lambda, before an invocation returns)."""
        while batch := self._take(wait=None):
            self._send(batch)

    def flush(self, timeout: float) -> bool:
        """Wait until everything offered so far is sent or failed; False if time ran out."""
        if self._thread is None:
            self.drain()
            return True
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._items and not self._in_flight, timeout=timeout
            )

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="escalation-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Send what is queued for up to `timeout` seconds, then end the thread. What is still
        queued is dropped and counted; a call still under way is abandoned (logged)."""
        self.flush(timeout)
        with self._changed:
            self._stopping = True
            left, self._items = list(self._items), deque()
            in_flight = self._in_flight
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=STOP_JOIN_SECONDS)
            self._thread = None
        for event in left:
            _count(event, "dropped")
        if left or in_flight:
            logger.warning(
                "Escalation events unsent at shutdown",
                extra={"dropped": len(left), "in_flight": in_flight},
            )

    def _take(self, wait: float | None) -> list[Escalation]:
        with self._changed:
            if wait is not None and not self._items and not self._stopping:
                self._changed.wait(wait)
            size = min(len(self._items), self.sink.max_batch)
            batch = [self._items.popleft() for _ in range(size)]
            self._in_flight += len(batch)
            return batch

    def _send(self, batch: list[Escalation]) -> None:
        try:
            delivered = self.sink.send(batch)
        except Exception:  # a sink's bug must not end the thread
            logger.exception("Escalation sink failed", extra={"sink": self.sink.describe()})
            delivered = [False] * len(batch)
        for event, ok in zip(batch, delivered, strict=True):
            _count(event, "sent" if ok else "failed")
        with self._changed:
            self._in_flight -= len(batch)
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            batch = self._take(wait=IDLE_WAKE_SECONDS)
            if batch:
                self._send(batch)
            elif self._stopping:
                return


def _count(event: Escalation, outcome: str) -> None:
    metrics.add(
        metric_names.ESCALATION_COUNT, 1, model=event.model, rule=event.rule, outcome=outcome
    )
