"""This process's share of each client's daily quota, leased in blocks from the quota store
(the fleet's DynamoDB table, or one machine's SQLite file: shared/auth/quota_store.py).

A request takes items from the client's local block: no store call in the steady state.
When a block runs below half, a refill is leased on a worker thread while requests keep using
what is left; a request waits only when the block cannot cover it and the lease call is in
flight. The store never leases past the quota, so the processes sharing it admit at most the
quota; items a process leased and did not use are handed back when it stops. Usage (requests,
items) is counted locally and added to the store every QUOTA_FLUSH_SECONDS and at shutdown.
"""

import asyncio
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from shared.auth.keys import ClientRecord
from shared.auth.quota_store import QuotaStore, seconds_to_midnight, today
from shared.errors import InfernoError, QuotaExhausted, QuotaUnavailable
from shared.observability import logger
from shared.refresher import Refresher


@dataclass
class _Block:
    day: str
    remaining: int = 0
    exhausted: bool = False  # the store granted less than asked: nothing left fleet-wide today
    refill: "Future[int] | None" = None


class QuotaLeases:
    def __init__(self, quotas: QuotaStore, block_size: int, flush_seconds: float) -> None:
        self.quotas = quotas
        self.block_size = block_size
        self.flush_seconds = flush_seconds
        self._blocks: dict[str, _Block] = {}
        self._usage: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="quota")
        self._next_flush = time.monotonic() + flush_seconds
        self._flusher = Refresher("quota-flush", self.flush, flush_seconds)

    async def charge(self, client: ClientRecord, items: int) -> None:
        """Take `items` from the client's block, or raise QuotaExhausted / QuotaUnavailable."""
        day = today()
        if client.daily_quota is not None:
            await self._take(client, client.daily_quota, day, items)
        with self._lock:
            usage = self._usage[(client.name, day)]
            usage[0] += 1
            usage[1] += items
        if not self._flusher.running and time.monotonic() >= self._next_flush:
            self._next_flush = time.monotonic() + self.flush_seconds
            self._pool.submit(self.flush)  # Lambda: no flush thread; never awaited

    async def _take(self, client: ClientRecord, quota: int, day: str, items: int) -> None:
        while True:
            with self._lock:
                block = self._blocks.get(client.name)
                if block is None or block.day != day:
                    block = self._blocks[client.name] = _Block(day)
                if block.remaining >= items:
                    block.remaining -= items
                    if block.remaining * 2 < self.block_size and not block.exhausted:
                        self._refill(client.name, quota, block, self.block_size)
                    return
                if block.exhausted and block.refill is None:
                    raise QuotaExhausted(
                        f"Daily quota of client {client.name!r} is used up", seconds_to_midnight()
                    )
                pending = self._refill(client.name, quota, block, max(self.block_size, items))
            try:
                await asyncio.wrap_future(pending)
            except InfernoError as exc:
                raise QuotaUnavailable("Quota service unavailable; retry shortly") from exc

    def _refill(self, name: str, quota: int, block: _Block, want: int) -> "Future[int]":
        """Start a lease unless one is in flight (called with the lock held)."""
        if block.refill is None:
            block.refill = self._pool.submit(self._lease, name, quota, block, want)
        return block.refill

    def _lease(self, name: str, quota: int, block: _Block, want: int) -> int:
        try:
            granted = self.quotas.lease(name, block.day, want, quota)
        except InfernoError as exc:
            logger.error("Quota lease failed", extra={"client": name, "error": str(exc)})
            with self._lock:
                block.refill = None
            raise
        with self._lock:
            block.remaining += granted
            block.exhausted = granted < want
            block.refill = None
        return granted

    def flush(self) -> None:
        """Add the usage counted since the last flush to the store."""
        with self._lock:
            pending, self._usage = self._usage, defaultdict(lambda: [0, 0])
        for (name, day), (requests, items) in pending.items():
            try:
                self.quotas.add_usage(name, day, requests, items)
            except InfernoError as exc:
                logger.error("Usage flush failed; kept", extra={"client": name, "error": str(exc)})
                with self._lock:
                    usage = self._usage[(name, day)]
                    usage[0] += requests
                    usage[1] += items

    def release_unused(self) -> None:
        """Hand back today's leased but unused items, so other processes can lease them."""
        with self._lock:
            unused = [(n, b.day, b.remaining) for n, b in self._blocks.items() if b.remaining]
            for block in self._blocks.values():
                block.remaining = 0
        for name, day, remaining in unused:
            try:
                self.quotas.release(name, day, remaining)
            except InfernoError as exc:
                logger.warning(
                    "Unused quota not released", extra={"client": name, "error": str(exc)}
                )

    def start(self) -> None:
        self._flusher.start()

    def stop(self) -> None:
        self._flusher.stop()
        self._pool.shutdown(wait=True)
        self.release_unused()
        self.flush()
