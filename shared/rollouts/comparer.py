"""Runs the other version on answered items, off the request path, and records how the two
agree: the candidate for a shadow's sampled answers, production for a canary's answers.

One thread takes what is queued, gathered for a short window into one batch (one model call per
rollout and direction, as the batcher does), so a 10 % shadow costs about a tenth of the model's
batched time rather than a tenth of its single-item time. The queue is bounded: past it an answer is
dropped and counted, never waited for.
"""

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.observability import logger
from shared.rollouts.agreement import compare
from shared.rollouts.follower import ActiveRollout
from shared.serving.loaded_model import LoadedModel, serving_config

# One group in this many is also timed for both versions, back to back on the same items.
TIMING_EVERY = 4
ProductionOf = Callable[[str], LoadedModel]


@dataclass(frozen=True)
class Job:
    active: ActiveRollout
    by_candidate: bool  # who answered the client: the other version runs here
    items: list[Any]
    outputs: list[BaseModel]


class Comparer:
    def __init__(
        self, production_of: ProductionOf, capacity: int, max_items: int, window: float = 0.0
    ) -> None:
        self._production_of = production_of
        self._queue: queue.Queue[Job] = queue.Queue(maxsize=capacity)
        self._max_items = max_items
        self._window = window
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._groups = 0

    def offer(self, job: Job) -> None:
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            job.active.dropped()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="rollout-compare", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def drain(self) -> None:
        """Compare everything queued now, on the caller's thread (Lambda, tests)."""
        while jobs := self._take(block=False):
            self._compare_all(jobs)

    def _run(self) -> None:
        while not self._stop.is_set():
            jobs = self._take(block=True)
            if jobs:
                self._compare_all(jobs)

    def _take(self, block: bool) -> list[Job]:
        """The next batch: what is queued, gathered for up to the window when blocking. A model
        costs far less per item in one call for many (the batcher's reason), and nobody waits
        for a comparison, so waiting to fill a call is free."""
        try:
            first = self._queue.get(timeout=0.2) if block else self._queue.get_nowait()
        except queue.Empty:
            return []
        jobs, items = [first], len(first.items)
        deadline = time.monotonic() + (self._window if block else 0.0)
        while items < self._max_items:
            try:
                wait = deadline - time.monotonic()
                job = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            jobs.append(job)
            items += len(job.items)
        return jobs

    def _compare_all(self, jobs: list[Job]) -> None:
        # Both versions run as the inference threads run them. Set here, with the models loaded:
        # at the thread's start scikit-learn may still be importing on the loading thread, and a
        # second thread importing it then fails.
        serving_config()
        groups: dict[tuple[str, str, bool], list[Job]] = {}
        for job in jobs:
            key = (job.active.rollout.model, job.active.rollout.id, job.by_candidate)
            groups.setdefault(key, []).append(job)
        for group in groups.values():
            try:
                self._compare(group)
            except Exception:  # a bug here must not end the thread; the rollout sees no counts
                logger.exception("Rollout comparison failed")

    def _compare(self, group: list[Job]) -> None:
        active, by_candidate = group[0].active, group[0].by_candidate
        rollout = active.rollout
        production = self._production_of(rollout.model)
        other = production if by_candidate else active.candidate
        items = [item for job in group for item in job.items]
        answered = [output for job in group for output in job.outputs]
        started = time.perf_counter()
        try:
            others = other.predict(items)
        except Exception as exc:
            active.calls(candidate=not by_candidate, calls=len(group), failed=True)
            logger.warning(
                "Rollout version failed on answered items",
                extra={"model": rollout.model, "version": other.version, "error": repr(exc)[:300]},
            )
            return
        other_ms = (time.perf_counter() - started) * 1000
        active.calls(candidate=not by_candidate, calls=len(group))
        self._groups += 1
        if self._groups % TIMING_EVERY == 0:
            self._time_pair(active, production, items, other_ms, by_candidate)
        kind = production.manifest.kind
        for mine, theirs in zip(answered, others, strict=True):
            pair = (theirs, mine) if by_candidate else (mine, theirs)
            active.compared(compare(kind, pair[0], pair[1], rollout.policy))

    def _time_pair(
        self,
        active: ActiveRollout,
        production: LoadedModel,
        items: list[Any],
        other_ms: float,
        by_candidate: bool,
    ) -> None:
        """The answering version again on the same items, right after the other one."""
        answering = active.candidate if by_candidate else production
        started = time.perf_counter()
        try:
            answering.predict(items)
        except Exception:
            return  # counted where it answered the client
        answering_ms = (time.perf_counter() - started) * 1000
        candidate_ms, production_ms = (
            (answering_ms, other_ms) if by_candidate else (other_ms, answering_ms)
        )
        active.timed(production_ms=production_ms, candidate_ms=candidate_ms)
