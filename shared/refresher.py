"""The one background refresher: a named daemon thread that calls a function every interval.

The model registry, the key ring, the quota leases, the EMF flusher and the escalation rule book
all re-read or flush something on a timer with it. A call that raises is logged and counted, and
the next one comes as usual: a refresher never dies of its work. `stop()` wakes the thread at
once, so shutdown does not wait out an interval. Where no thread runs between requests (Lambda),
or in a process forked after `start()` (which has no thread), `running` is False, and the owner
does the work inline when it is due.
"""

import os
import threading
from collections.abc import Callable

from shared.observability import logger

# What `interval` may be: fixed seconds, or a function asked after each call for the pause before
# the next one (None: no next call, the thread ends).
Interval = float | Callable[[], float | None]


class Refresher:
    def __init__(
        self,
        name: str,
        work: Callable[[], object],
        interval: Interval,
        *,
        at_once: bool = False,
        join_seconds: float = 10.0,
        failure_message: str = "Background refresh failed",
    ) -> None:
        """`at_once`: the first call as soon as the thread starts, not after the first pause."""
        self.name = name
        self.work = work
        self.interval = interval
        self.at_once = at_once
        self.join_seconds = join_seconds
        self.failure_message = failure_message
        self.failures = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pid: int | None = None

    @property
    def running(self) -> bool:
        """Started in this process and not stopped since."""
        return self._thread is not None and self._pid == os.getpid()

    def start(self) -> None:
        if self.running:
            return
        # A fresh event per thread: one left running past its join cannot be woken up again.
        self._stop = threading.Event()
        self._pid = os.getpid()
        self._thread = threading.Thread(
            target=self._run, args=(self._stop,), name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Wake the thread and wait up to `join_seconds` for a call under way to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            thread.join(timeout=self.join_seconds)

    def _run(self, stop: threading.Event) -> None:
        pause = 0.0 if self.at_once else self._pause()
        while pause is not None and not stop.wait(pause):
            self._call()
            pause = self._pause()

    def _call(self) -> None:
        try:
            self.work()
        except Exception:  # a bug or an outage must not end the refreshes
            self.failures += 1
            logger.exception(
                self.failure_message, extra={"refresher": self.name, "failures": self.failures}
            )

    def _pause(self) -> float | None:
        return self.interval() if callable(self.interval) else self.interval
