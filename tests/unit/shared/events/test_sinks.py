"""Sinks: PutEvents calls within the API's limits, retries of what can pass with doubling
delays, nothing retried that cannot pass; the local JSONL file."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from shared.events.event import Escalation
from shared.events.sinks import (
    FIRST_DELAY_SECONDS,
    MAX_DELAY_SECONDS,
    MAX_ENTRIES,
    MAX_REQUEST_BYTES,
    EventBridgeSink,
    JsonlSink,
    backoff,
    calls,
    entry_size,
)


def event(n: int, filler: str = "") -> Escalation:
    return Escalation("sentiment", "angry", {"rule": "angry", "n": n, "filler": filler})


class Bus:
    """A PutEvents endpoint that answers from a script: per call, either an exception or the
    error code of each entry (None: accepted)."""

    def __init__(self, script: list[Exception | list[str | None] | None]) -> None:
        self.script = script
        self.calls: list[list[dict[str, Any]]] = []

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Mapping[str, Any]:  # noqa: N803
        self.calls.append(Entries)
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        codes = step or [None] * len(Entries)
        answers = [
            {"ErrorCode": code, "ErrorMessage": "no"} if code else {"EventId": f"id-{i}"}
            for i, code in enumerate(codes)
        ]
        return {"FailedEntryCount": sum(1 for c in codes if c), "Entries": answers}


def sink(bus: Bus, sleeps: list[float], attempts: int = 5) -> EventBridgeSink:
    return EventBridgeSink("escalations", attempts, client=lambda: bus, sleep=sleeps.append)


def throttled(operation: str = "PutEvents") -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, operation)


def test_entries_carry_the_event_on_the_named_bus() -> None:
    bus, sleeps = Bus([]), list[float]()
    assert sink(bus, sleeps).send([event(1)]) == [True]
    [[entry]] = bus.calls
    assert entry["Source"] == "inferno.mlaas" and entry["DetailType"] == "Escalation"
    assert entry["EventBusName"] == "escalations"
    assert json.loads(entry["Detail"]) == event(1).detail


def test_a_call_holds_at_most_ten_entries_and_256_kib() -> None:
    # GIVEN 25 small events THEN calls of 10, 10 and 5
    bus, sleeps = Bus([]), list[float]()
    assert sink(bus, sleeps).send([event(n) for n in range(25)]) == [True] * 25
    assert [len(c) for c in bus.calls] == [10, 10, 5]
    # AND big ones are split by size before the count limit
    big = EventBridgeSink("b").entry(event(0, "x" * 100_000))
    groups = list(calls([big] * 5))
    assert groups == [[0, 1], [2, 3], [4]]
    assert all(sum(entry_size(big) for _ in g) <= MAX_REQUEST_BYTES for g in groups)
    assert MAX_ENTRIES == 10


def test_throttled_entries_are_retried_alone_with_doubling_delays() -> None:
    # GIVEN a bus that throttles the second of three entries twice, then takes it
    bus, sleeps = (
        Bus([[None, "ThrottlingException", None], ["ThrottlingException"], None]),
        list[float](),
    )
    # WHEN they are sent THEN every one is delivered, the throttled one alone on each retry
    assert sink(bus, sleeps).send([event(1), event(2), event(3)]) == [True, True, True]
    assert [len(c) for c in bus.calls] == [3, 1, 1]
    assert json.loads(bus.calls[1][0]["Detail"])["n"] == 2
    assert len(sleeps) == 2
    assert FIRST_DELAY_SECONDS / 2 <= sleeps[0] <= FIRST_DELAY_SECONDS
    assert FIRST_DELAY_SECONDS <= sleeps[1] <= 2 * FIRST_DELAY_SECONDS


def test_an_entry_refused_for_good_is_not_retried() -> None:
    bus, sleeps = Bus([[None, "MalformedDetail"]]), list[float]()
    assert sink(bus, sleeps).send([event(1), event(2)]) == [True, False]
    assert len(bus.calls) == 1 and sleeps == []


def test_retries_end_after_max_attempts_and_the_rest_fails() -> None:
    bus, sleeps = Bus([["InternalFailure"]] * 10), list[float]()
    assert sink(bus, sleeps, attempts=3).send([event(1)]) == [False]
    assert len(bus.calls) == 3 and len(sleeps) == 2


def test_a_throttled_or_unreachable_call_is_retried_whole() -> None:
    unreachable = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    bus, sleeps = Bus([throttled(), unreachable, None]), list[float]()
    assert sink(bus, sleeps).send([event(1), event(2)]) == [True, True]
    assert [len(c) for c in bus.calls] == [2, 2, 2]


def test_a_call_refused_for_good_fails_its_entries_at_once() -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutEvents")
    bus, sleeps = Bus([denied]), list[float]()
    assert sink(bus, sleeps).send([event(1), event(2)]) == [False, False]
    assert len(bus.calls) == 1 and sleeps == []


def test_backoff_doubles_to_a_ceiling_with_jitter() -> None:
    for attempt in range(1, 12):
        ceiling = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (attempt - 1))
        delays = {backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered: senders do not retry in step


def test_the_jsonl_sink_appends_one_line_per_event(tmp_path: Path) -> None:
    path = tmp_path / "build" / "events" / "escalations.jsonl"
    jsonl = JsonlSink(path)
    assert jsonl.send([event(1), event(2)]) == [True, True]
    assert jsonl.send([event(3, "é")]) == [True]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["n"] for line in lines] == [1, 2, 3]
    assert json.loads(lines[2])["filler"] == "é"


def test_an_unwritable_file_fails_the_events(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be")
    assert JsonlSink(tmp_path / "blocker" / "e.jsonl").send([event(1)]) == [False]


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
def test_calls_cover_every_entry_once(n: int) -> None:
    entries = [EventBridgeSink("b").entry(event(i)) for i in range(n)]
    assert [i for group in calls(entries) for i in group] == list(range(n))
