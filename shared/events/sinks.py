"""Where escalation events go: an EventBridge bus on AWS, a JSONL file on a laptop.

A sink is called from the outbox's thread (never the request path) with a batch and answers,
per event, whether it was delivered. The EventBridge sink splits a batch into PutEvents calls
within the API's limits (10 entries, 256 KiB per call) and retries what failed for a reason that
can pass (throttling, an internal failure, a network error) with doubling, jittered delays;
what still fails, or fails for a reason that cannot pass (a malformed entry, access denied), is
answered as failed.
"""

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from shared.events.event import DETAIL_TYPE, SOURCE, Escalation
from shared.observability import logger

# PutEvents: at most 10 entries and 256 KiB per call (entries' sizes added up).
MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024
# Per-entry codes AWS documents as worth retrying; every other code is final.
RETRYABLE_ENTRY_CODES = frozenset({"ThrottlingException", "InternalFailure"})
RETRYABLE_CALL_CODES = frozenset(
    {"ThrottlingException", "InternalException", "InternalFailure", "ServiceUnavailable"}
)
FIRST_DELAY_SECONDS = 0.1
MAX_DELAY_SECONDS = 5.0


class Sink(Protocol):
    max_batch: int

    def describe(self) -> str: ...

    def send(self, events: list[Escalation]) -> list[bool]:
        """Per event, in order: True when delivered, False when it failed for good."""
        ...


def encode(event: Escalation) -> str:
    return json.dumps(event.detail, ensure_ascii=False, separators=(",", ":"))


class JsonlSink:
    """One JSON object per line, appended with one write per batch (O_APPEND: the workers of
    one server may share the file)."""

    max_batch = 500

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return f"file://{self.path.resolve()}"

    def send(self, events: list[Escalation]) -> list[bool]:
        data = "".join(encode(event) + "\n" for event in events).encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                written = 0
                while written < len(data):
                    written += os.write(descriptor, data[written:])
            finally:
                os.close(descriptor)
        except OSError as exc:
            logger.error(
                "Cannot write escalation events", extra={"path": str(self.path), "error": str(exc)}
            )
            return [False] * len(events)
        return [True] * len(events)


class PutEventsClient(Protocol):
    def put_events(self, *, Entries: list[dict[str, Any]]) -> Mapping[str, Any]: ...  # noqa: N803


def _events_client() -> PutEventsClient:
    import boto3  # only where a bus is configured, and only once the first event is sent
    from botocore.config import Config

    # One attempt per call: the retries (of the whole call and of failed entries) are ours.
    config = Config(
        connect_timeout=3, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 1}
    )
    # A session of its own: this runs on the outbox's thread, and boto3's default session is
    # not safe to make clients from on two threads at once (the registry's may be making one).
    client: PutEventsClient = boto3.session.Session().client("events", config=config)
    return client


class EventBridgeSink:
    max_batch = 50  # split into calls of at most MAX_ENTRIES below

    def __init__(
        self,
        bus_name: str,
        max_attempts: int = 5,
        client: Callable[[], PutEventsClient] = _events_client,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus_name = bus_name
        self.max_attempts = max_attempts
        self._make_client = client
        self._client: PutEventsClient | None = None
        self._sleep = sleep

    def describe(self) -> str:
        return f"eventbridge://{self.bus_name}"

    def entry(self, event: Escalation) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": encode(event),
            "EventBusName": self.bus_name,
        }

    def send(self, events: list[Escalation]) -> list[bool]:
        entries = [self.entry(event) for event in events]
        delivered = [False] * len(events)
        for chunk in calls(entries):
            for index, ok in zip(chunk, self._put(entries, chunk), strict=True):
                delivered[index] = ok
        return delivered

    def _put(self, entries: list[dict[str, Any]], chunk: list[int]) -> list[bool]:
        """One PutEvents call's entries, with retries; per entry, whether it was delivered."""
        delivered = dict.fromkeys(chunk, False)
        pending, refused = list(chunk), Counter[str]()
        last_error = ""
        for attempt in range(self.max_attempts):
            if attempt:
                self._sleep(backoff(attempt))
            try:
                response = self.client.put_events(Entries=[entries[i] for i in pending])
            except Exception as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                if retryable_call(exc):
                    continue
                refused[type(exc).__name__] += len(pending)
                pending = []
                break
            retry = []
            for index, answer in zip(pending, response.get("Entries", []), strict=False):
                code = answer.get("ErrorCode")
                if not code and answer.get("EventId"):
                    delivered[index] = True
                elif code in RETRYABLE_ENTRY_CODES:
                    retry.append(index)
                    last_error = f"{code}: {answer.get('ErrorMessage', '')}"
                else:
                    refused[str(code)] += 1
            pending = retry
            if not pending:
                break
        if refused or pending:
            logger.error(
                "Escalation events not put on the bus",
                extra={
                    "bus": self.bus_name,
                    "refused": dict(refused),
                    "retries_exhausted": len(pending),
                    "last_error": last_error[:500],
                },
            )
        return [delivered[index] for index in chunk]

    @property
    def client(self) -> PutEventsClient:
        if self._client is None:
            self._client = self._make_client()
        return self._client


def entry_size(entry: Mapping[str, Any]) -> int:
    """What PutEvents counts toward its 256 KiB: the UTF-8 bytes of Source, DetailType, Detail
    and Resources (and 14 for a Time)."""
    size = 14 if entry.get("Time") else 0
    for field in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(field, "")).encode("utf-8"))
    return size + sum(len(str(r).encode("utf-8")) for r in entry.get("Resources", []))


def calls(entries: list[dict[str, Any]]) -> Iterator[list[int]]:
    """Indexes of the entries, grouped into calls within the entry and size limits."""
    chunk: list[int] = []
    size = 0
    for index, entry in enumerate(entries):
        grows = entry_size(entry)
        if chunk and (len(chunk) == MAX_ENTRIES or size + grows > MAX_REQUEST_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(index)
        size += grows
    if chunk:
        yield chunk


def backoff(attempt: int) -> float:
    """Before retry `attempt` (1, 2, ...): a delay doubling from FIRST_DELAY_SECONDS up to
    MAX_DELAY_SECONDS, of which a random half is taken off (senders do not retry in step)."""
    ceiling = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (attempt - 1))
    return float(ceiling / 2 + random.uniform(0, ceiling / 2))  # jitter, not secrecy


def retryable_call(exc: Exception) -> bool:
    """A whole call failed for a reason that can pass: throttled, a 5xx, or the network."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in RETRYABLE_CALL_CODES or status >= 500
    return isinstance(exc, BotoCoreError)
