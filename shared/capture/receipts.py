"""Receipts: which client asked which model and version what, for every prediction, so that
POST /feedback can tell whose request an id is and join the label to the answer.

A receipt is kept under its client and request id together: a client finds only its own (an
id another client used is simply not there, so nobody learns it exists), and two clients that
pick the same X-Request-Id never overwrite each other's. The request builds the receipt (a few
attribute reads) and queues it; a background thread writes batches to the store (SQLite shared
by a server's workers, or DynamoDB for the fleet, with a TTL). A receipt not yet written is
found in this process's pending map; one pending in another worker or task is found after one
write interval.
"""

import asyncio
import math
import threading
import time
from collections import Counter
from typing import NamedTuple, Protocol

from shared.capture.batches import BackgroundBatches
from shared.observability import metric_names, metrics
from shared.serving.answers import Answer

MAX_BATCH = 500
ANONYMOUS = "-"  # no client name starts with "-" (shared/auth/keys.py)


class Receipt(NamedTuple):  # built on every request: a tuple is the cheapest immutable record
    client: str | None
    request_id: str
    model: str
    version: str
    kind: str
    items: int
    answer: str | float | None  # the one item's label or value; None for other kinds or batches
    expires_at: int  # epoch seconds (DynamoDB's TTL attribute)

    @property
    def key(self) -> str:
        return receipt_key(self.client, self.request_id)


def receipt_key(client: str | None, request_id: str) -> str:
    """Client and request id, joined by a space: in neither's alphabet, so never ambiguous."""
    return f"{client or ANONYMOUS} {request_id}"


def receipt_of(answer: Answer, request_id: str, ttl_seconds: float) -> Receipt:
    return Receipt(
        client=answer.client,
        request_id=request_id,
        model=answer.model,
        version=answer.version,
        kind=answer.kind,
        items=len(answer.outputs),
        answer=_answer(answer),
        expires_at=math.ceil(time.time() + ttl_seconds),
    )


def _answer(answer: Answer) -> str | float | None:
    if len(answer.outputs) != 1:
        return None
    found = getattr(answer.outputs[0], "label", None)
    if found is None:
        found = getattr(answer.outputs[0], "value", None)
    return found if isinstance(found, str | float | int) else None


class ReceiptStore(Protocol):
    def put_many(self, receipts: list[Receipt]) -> list[Receipt]:
        """Keep `receipts`; return those that were not kept."""

    def get(self, key: str) -> Receipt | None:
        """The receipt under `key`, or None; ReceiptsUnavailable when it cannot be read."""


class ReceiptBook:
    def __init__(
        self,
        store: ReceiptStore,
        ttl_seconds: float,
        capacity: int,
        interval: float = 1.0,
        shared: bool = True,
    ) -> None:
        """`shared`: other processes write to `store` too (workers, tasks), so a receipt this
        one does not find may still be on its way."""
        self.store = store
        self.ttl_seconds = ttl_seconds
        self.interval = interval
        self.shared = shared
        self._pending: dict[str, Receipt] = {}
        self._lock = threading.Lock()
        self.batches: BackgroundBatches[Receipt] = BackgroundBatches(
            "receipt-writer", self._write, self._dropped, capacity, MAX_BATCH, interval
        )

    def keep(self, answer: Answer) -> None:
        """On the request's path: build the receipt and queue it."""
        if answer.request_id is None:
            return
        receipt = receipt_of(answer, answer.request_id, self.ttl_seconds)
        with self._lock:
            self._pending[receipt.key] = receipt
        self.batches.offer(receipt)

    async def find(self, client: str | None, request_id: str) -> Receipt | None:
        """The live receipt of `client`'s request, else None (never another client's)."""
        key = receipt_key(client, request_id)
        with self._lock:
            found = self._pending.get(key)
        if found is None:
            found = await asyncio.to_thread(self.store.get, key)
        if found is None and self.shared:  # perhaps queued in another worker or task: wait
            await asyncio.sleep(self.interval * 1.5)
            found = await asyncio.to_thread(self.store.get, key)
        return found if found is not None and found.expires_at > time.time() else None

    def _write(self, batch: list[Receipt]) -> None:
        try:
            failed = self.store.put_many(batch)
            if failed:
                self._dropped(failed, "store_refused")
        finally:
            self._forget(batch)

    def _dropped(self, batch: list[Receipt], reason: str) -> None:
        for model, count in Counter(receipt.model for receipt in batch).items():
            metrics.add(metric_names.RECEIPT_DROPPED, count, model=model)
        if reason == "buffer_full":
            self._forget(batch)

    def _forget(self, batch: list[Receipt]) -> None:
        with self._lock:
            for receipt in batch:
                if self._pending.get(receipt.key) is receipt:  # not replaced by a newer one
                    del self._pending[receipt.key]
