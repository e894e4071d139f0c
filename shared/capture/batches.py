"""A bounded queue drained by one background thread in batches, and retries with back-off:
written once, used by the capture writer and the receipt book.

`offer` never blocks: past `capacity` an item is handed to `on_drop` (counted there) and the
caller goes on. The thread wakes every `interval` seconds, or as soon as a full batch waits, and
hands what is queued to `write` in batches of at most `max_batch`. A failing `write` drops its
batch (counted), it never stops the thread.
"""

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from shared.observability import logger

T = TypeVar("T")


class BackgroundBatches(Generic[T]):
    def __init__(
        self,
        name: str,
        write: Callable[[list[T]], None],
        on_drop: Callable[[list[T], str], None],
        capacity: int,
        max_batch: int,
        interval: float,
    ) -> None:
        self.name = name
        self._write = write
        self._on_drop = on_drop
        # A deque, not a queue.Queue: appending is one atomic call, where Queue's put takes a
        # lock and a condition (a few microseconds on every request).
        self._items: deque[T] = deque()
        self._capacity = capacity
        self._max_batch = max_batch
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._write_lock = threading.Lock()  # the thread and a caller's flush() take turns

    def offer(self, item: T) -> bool:
        """Queue `item` for the thread (started on first use); False when it was dropped."""
        if self._thread is None:
            self.start()
        if len(self._items) >= self._capacity:  # may pass it by a few, racing: harmless
            self._on_drop([item], "buffer_full")
            return False
        self._items.append(item)
        if len(self._items) >= self._max_batch:
            self._wake.set()
        return True

    def start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread (shutdown). A thread still writing after
        `timeout` (its destination unreachable) is left to die with the process: what is still
        queued is counted as dropped rather than holding the shutdown past ECS's stop timeout."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                left = self._take()
                while left:
                    self._on_drop(left, "shutdown")
                    left = self._take()
                return
        self.flush()

    def flush(self) -> None:
        """Write everything queued now, in the caller's thread (Lambda, shutdown, tests)."""
        with self._write_lock:
            while batch := self._take():
                self._deliver(batch)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()

    def _take(self) -> list[T]:
        batch: list[T] = []
        while len(batch) < self._max_batch:
            try:
                batch.append(self._items.popleft())
            except IndexError:
                break
        return batch

    def _deliver(self, batch: list[T]) -> None:
        try:
            self._write(batch)
        except Exception:  # one bad batch must not end the thread that writes the others
            logger.exception("Background write failed", extra={"writer": self.name})
            self._on_drop(batch, "write_failed")


def with_retries(
    send: Callable[[list[T]], list[T]],
    items: list[T],
    attempts: int = 4,
    base_delay: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> list[T]:
    """Send `items`; `send` returns those that failed, which are sent again after a full-jitter
    exponential back-off, `attempts` times in all. Returns what never went through."""
    pending = items
    for attempt in range(attempts):
        if attempt:
            sleep(random.uniform(0, base_delay * 2**attempt))
        pending = send(pending)
        if not pending:
            return []
    return pending
