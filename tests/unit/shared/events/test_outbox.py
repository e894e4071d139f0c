"""The outbox: the request path only offers; a full buffer drops and counts; the thread sends
and counts each event sent or failed; shutdown sends what is queued."""

import threading
from typing import Any

from shared.events.event import Escalation
from shared.events.outbox import Outbox
from shared.observability import metric_names, metrics


class Recorder:
    """A sink that keeps what it is sent; `gate` holds every call until set."""

    max_batch = 3

    def __init__(self, deliver: bool = True) -> None:
        self.batches: list[list[Escalation]] = []
        self.deliver = deliver
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def describe(self) -> str:
        return "recorder"

    def send(self, events: list[Escalation]) -> list[bool]:
        self.entered.set()
        self.gate.wait(10)
        self.batches.append(events)
        return [self.deliver] * len(events)


def event(n: int, rule: str = "angry") -> Escalation:
    return Escalation("sentiment", rule, {"n": n})


def counts() -> dict[str, float]:
    """EscalationCount by outcome, from what the metrics buffer holds."""
    found: dict[str, float] = {}
    for document in metrics.drain():
        if metric_names.ESCALATION_COUNT.name in document:
            outcome: Any = document["outcome"]
            found[outcome] = found.get(outcome, 0) + sum(
                document[metric_names.ESCALATION_COUNT.name]
            )
    return found


def test_a_full_buffer_drops_and_counts_and_the_rest_is_sent() -> None:
    # GIVEN an outbox of 2 whose sink is stuck on its first batch
    sink = Recorder()
    sink.gate.clear()
    outbox = Outbox(sink, capacity=2)
    outbox.start()
    assert outbox.offer(event(0))
    assert sink.entered.wait(5)  # the thread holds event 0, the buffer is empty again
    # WHEN five more are offered
    offered = [outbox.offer(event(n)) for n in range(1, 6)]
    # THEN two fit, three are dropped at once (the request path never waits)
    assert offered == [True, True, False, False, False]
    assert outbox.queued() == 2
    # AND once the sink moves, the ones kept are sent and each outcome is counted
    sink.gate.set()
    outbox.stop(timeout=5)
    assert [e.detail["n"] for batch in sink.batches for e in batch] == [0, 1, 2]
    assert counts() == {"sent": 3, "dropped": 3}


def test_failed_sends_are_counted_per_event() -> None:
    sink = Recorder(deliver=False)
    outbox = Outbox(sink, capacity=10)
    outbox.start()
    for n in range(4):
        outbox.offer(event(n))
    assert outbox.flush(timeout=5)
    outbox.stop(timeout=5)
    assert counts() == {"failed": 4}
    assert sum(len(b) for b in sink.batches) == 4


def test_a_raising_sink_fails_its_batch_and_the_thread_goes_on() -> None:
    class Broken(Recorder):
        def send(self, events: list[Escalation]) -> list[bool]:
            if not self.batches:
                self.batches.append([])
                raise RuntimeError("sink bug")
            return super().send(events)

    sink = Broken()
    outbox = Outbox(sink, capacity=10)
    outbox.start()
    outbox.offer(event(1))
    assert outbox.flush(timeout=5)
    outbox.offer(event(2))
    outbox.stop(timeout=5)
    assert counts() == {"failed": 1, "sent": 1}


def test_without_a_thread_drain_sends_in_the_caller() -> None:
    # GIVEN no thread (Lambda) WHEN events are offered THEN nothing is sent until drained
    sink = Recorder()
    outbox = Outbox(sink, capacity=10)
    for n in range(5):
        outbox.offer(event(n))
    assert sink.batches == []
    outbox.drain()
    assert [len(b) for b in sink.batches] == [3, 2]
    assert outbox.queued() == 0
    assert counts() == {"sent": 5}


def test_what_cannot_be_sent_by_shutdown_is_dropped_and_counted() -> None:
    sink = Recorder()
    sink.gate.clear()  # stuck for good
    outbox = Outbox(sink, capacity=10)
    outbox.start()
    outbox.offer(event(0))
    assert sink.entered.wait(5)
    outbox.offer(event(1))
    outbox.offer(event(2))
    outbox.stop(timeout=0.2)
    assert counts() == {"dropped": 2}
    sink.gate.set()
