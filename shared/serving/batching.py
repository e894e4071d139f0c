"""Gather concurrent predictions into model calls that run off the event loop.

The event loop only queues and answers; inference threads run the model. While a call runs, what
arrives is queued, and the next call takes what is queued (whole requests, in arrival order, up
to `max_batch_size` items): a lone request pays no wait, and under load the per-call overhead of
the model is shared. That gathering is where the service's throughput comes from. Small requests
and bulk ones queue in separate lanes, each with its own thread, so a single text never waits
behind a 2-second batch.

Queued work is bounded by what it costs (characters of text plus a per-item share), so nothing
queues without limit: past the bound a request is shed at once (`Overloaded`). A named caller (a
client key) may hold at most half of what a lane takes on, its running work included, so one
client's flood is refused with 429 (`QueueShareExceeded`); what is queued is taken in fair order
between callers, so another client's request waits only for the work ahead of it in that order,
and that is what its admission weighs: the flood never gets it shed. A request that
outlives its deadline or loses its client is dropped before it reaches the model. A packed call
that raises is re-run request by request, so only the request that caused it fails.
"""

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from shared.errors import ClientDisconnected, Overloaded, QueueShareExceeded, RequestTimedOut
from shared.observability import logger, metric_names, metrics
from shared.serving.isolation import predict_isolated
from shared.serving.loaded_model import LoadedModel, serving_config
from shared.settings import Settings

# What an item costs beyond its characters: the model's per-item work (about the cost of 50
# characters of text for the reference pipeline). Tabular items cost only this.
ITEM_COST = 50
# Requests up to this cost (about 50 ms of the reference model) take the express lane.
EXPRESS_MAX_COST = 25_000
# Admit work only if it should be answered within this share of its deadline: on a slow or busy
# machine the lane sheds (503, retry later) rather than queueing work that would time out (504).
ADMIT_WITHIN_SHARE = 0.5
# A lone request expected to take at most this long runs on the event loop (see _runs_inline).
INLINE_MAX_SECONDS = 0.005
# A job not answered within this long has its client watched, so one that left is dropped.
WATCH_AFTER_SECONDS = 0.05
# Weight of the newest call in the learnt cost rate.
RATE_SMOOTHING = 0.3
# Most of a lane's queue bound one caller may hold, so the others always find room.
CALLER_QUEUE_SHARE = 0.5

# A model kind's answers (label, value, items, score...): the batcher never looks inside.
Outcome = list[Any] | BaseException
# Completes when the client has gone; called once the request body has been read.
ClientGone = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Caller:
    """Who waits for a prediction: the client it is queued for (None: anonymous, unbounded
    share), what completes when that client disconnects, and the caller's own reference
    (shared/events/reference.py), which its answer carries to escalation events."""

    name: str | None = None
    gone: ClientGone | None = None
    metadata: Mapping[str, Any] | None = None
    # What keeps the caller with one version during a canary: its key's name, else the
    # rollout header an anonymous caller may send (shared/rollouts/routing.py).
    sticky: str | None = None


ANONYMOUS = Caller()


def item_chars(items: list[Any]) -> int:
    """Characters of text in validated items: a text, or the texts a kind wraps with its
    options (a ranker's `(text, k)`). A tabular item's feature dict holds no text to count."""
    return sum(_text_length(item) for item in items)


def _text_length(item: Any) -> int:
    if isinstance(item, str):
        return len(item)
    if isinstance(item, tuple):
        return sum(len(part) for part in item if isinstance(part, str))
    return 0


def request_cost(items: list[Any], chars: int) -> int:
    """What a call costs in the queue and which lane it takes: its characters plus a share per
    item, the same for every kind that reads text."""
    return ITEM_COST * len(items) + chars


@dataclass(eq=False)
class _Job:
    model: LoadedModel
    items: list[Any]
    cost: int
    chars: int
    future: asyncio.Future[list[Any]] = field(repr=False)
    lane: "_Lane" = field(repr=False)
    owner: str | None = None
    queued: bool = True
    # Its place in the fair order: the caller's queued cost ahead of it, from the lane's clock.
    start_tag: float = 0.0
    dropped: str | None = None  # why it was dropped before its answer: timeout, client_gone


class _Lane:
    """A queue with its own inference thread: one model call at a time, gathering what queued
    while the previous call ran."""

    def __init__(
        self,
        name: str,
        max_batch_size: int,
        max_queued_cost: int,
        timeout_seconds: float,
        max_batch_chars: int | None = None,
    ) -> None:
        self.name = name
        self.max_batch_size = max_batch_size
        # A text model's time grows with the characters it reads: one 20,000-character review
        # costs as much as a few hundred tweets, so a call is bounded by both.
        self.max_batch_chars = max_batch_chars
        self.max_queued_cost = max_queued_cost
        self.timeout_seconds = timeout_seconds
        self.queued_cost = 0
        self._held: Counter[str] = Counter()  # queued and running cost by caller name
        # Start-time fair queuing: the start tag of the last call's first job, and where each
        # caller's queued work ends on that clock.
        self._clock = 0.0
        self._finish: dict[str | None, float] = {}
        self._running_cost = 0
        # Seconds the model takes per unit of cost, learnt from the calls this lane has run.
        self._seconds_per_cost: float | None = None
        self._queue: list[_Job] = []
        self._busy = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None

    def admits(self, cost: int, owner: str | None = None) -> bool:
        """Room for `cost` within the bound, and an answer expected well within the deadline.
        An idle lane always admits, so the largest valid request is never refused outright."""
        if not self.queued_cost and not self._running_cost:
            return True
        # A named caller holding nothing finds room for one request whatever the others queued:
        # each of them holds at most its share, and fair order puts this request before theirs.
        newcomer = owner is not None and not self._held[owner]
        # The bound is on what waits: with nothing queued, one request may wait beside the call.
        if self.queued_cost and not newcomer and self.queued_cost + cost > self.max_queued_cost:
            return False
        return self.wait_in_turn(cost, owner) <= ADMIT_WITHIN_SHARE * self.timeout_seconds

    def admits_from(self, owner: str | None, cost: int) -> bool:
        """Within the caller's share of what the lane takes on, its running work included. A
        caller holding nothing is always within it: one request may be larger than a share."""
        held = self._held[owner] if owner is not None else 0
        return not held or held + cost <= CALLER_QUEUE_SHARE * self.capacity()

    def capacity(self) -> float:
        """The work this lane takes on: its bound, or what it answers within the admission share
        of the deadline at the rate it has learnt, whichever is less."""
        if not self._seconds_per_cost:
            return self.max_queued_cost
        in_time = ADMIT_WITHIN_SHARE * self.timeout_seconds / self._seconds_per_cost
        return min(self.max_queued_cost, in_time)

    def expected_wait(self, cost: int = 0) -> float:
        """Seconds until work of `cost` queued now behind everything would be answered (the
        whole running call counted: a pessimistic estimate, so what is admitted is not timed
        out)."""
        pending = self._running_cost + self.queued_cost + cost
        return pending * (self._seconds_per_cost or 0.0)

    def wait_in_turn(self, cost: int, owner: str | None) -> float:
        """Seconds until `owner`'s work of `cost` queued now would be answered, counting only
        the queued work fair order takes before it."""
        if owner is None and not self._held:
            ahead = self.queued_cost  # all queued work is anonymous: first come, first served
        else:
            turn = max(self._clock, self._finish.get(owner, 0.0))
            ahead = sum(job.cost for job in self._queue if job.queued and job.start_tag <= turn)
        return (self._running_cost + ahead + cost) * (self._seconds_per_cost or 0.0)

    def enqueue(self, job: _Job, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            self._adopt(loop)
        job.start_tag = max(self._clock, self._finish.get(job.owner, 0.0))
        self._finish[job.owner] = job.start_tag + job.cost
        self._queue.append(job)
        self._count(job, job.cost)
        self._hold(job, job.cost)
        if not self._busy:
            self._busy = True
            # After the current callbacks: requests arriving in the same loop turn share a call.
            loop.call_soon(self._dispatch)

    def release(self, job: _Job) -> None:
        """Abandoned while queued: its cost stops counting at once; the next call skips it."""
        if job.queued:
            job.queued = False
            self._count(job, -job.cost)
            self._hold(job, -job.cost)

    def _count(self, job: _Job, cost: int) -> None:
        """Queued cost; the caller's share is counted apart, until the job's call is over."""
        self.queued_cost += cost

    def _hold(self, job: _Job, cost: int) -> None:
        if job.owner is not None:
            self._held[job.owner] += cost
            if not self._held[job.owner]:
                del self._held[job.owner]

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new event loop (another Lambda invocation's, a test's) starts with a clean state."""
        serving_config()  # on the loop's thread, for the calls that run inline
        for job in self._queue:
            job.queued = False
        self._queue.clear()
        self.queued_cost = 0
        self._held.clear()
        self._finish.clear()
        self._busy = False
        self._loop = loop

    def _dispatch(self) -> None:
        """Start the next model call with what is queued, or go idle."""
        model, jobs = self._next_call()
        if not jobs:
            self._busy = False
            return
        assert self._loop is not None and model is not None
        self._running_cost = sum(job.cost for job in jobs)
        if self._runs_inline(jobs):
            self._deliver(jobs, *_timed_compute(model, jobs))
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                1, thread_name_prefix=f"inference-{self.name}", initializer=serving_config
            )
        call = self._loop.run_in_executor(self._executor, _timed_compute, model, jobs)
        call.add_done_callback(lambda done: self._deliver(jobs, *done.result()))

    def _runs_inline(self, jobs: list[_Job]) -> bool:
        """A lone request expected to take at most INLINE_MAX_SECONDS runs on the event loop:
        the hand-off to the inference thread and back costs more than it saves when nothing
        else is waiting (one connection at a time). Anything gathered with others, or larger,
        goes to the thread, so the loop is never held for long."""
        rate = self._seconds_per_cost
        return len(jobs) == 1 and rate is not None and rate * jobs[0].cost <= INLINE_MAX_SECONDS

    def _next_call(self) -> tuple[LoadedModel | None, list[_Job]]:
        """Whole live requests in fair order, for the model of the first, first-fit up to
        max_batch_size. Fair order interleaves callers by the cost each has queued (start-time
        fair queuing): a client's first request does not wait behind another's tenth. One
        caller's requests, and all anonymous ones, keep their arrival order."""
        # sorted() is stable: equal tags keep arrival order.
        order = sorted((job for job in self._queue if job.queued), key=lambda job: job.start_tag)
        if not order:
            self._queue.clear()
            return None, []
        model = order[0].model
        self._clock = order[0].start_tag
        taken: list[_Job] = []
        size = chars = 0
        char_budget = self.max_batch_chars
        for job in order:
            fits = size + len(job.items) <= self.max_batch_size and (
                char_budget is None or chars + job.chars <= char_budget
            )
            if job.model is model and (fits or not taken):
                taken.append(job)
                size += len(job.items)
                chars += job.chars
        for job in taken:
            job.queued = False
            self._count(job, -job.cost)
        self._queue = [job for job in self._queue if job.queued]
        # Callers whose queued work the clock has passed start afresh from it: forget them.
        self._finish = {o: end for o, end in self._finish.items() if end > self._clock}
        return model, taken

    def _deliver(self, jobs: list[_Job], outcomes: list[Outcome], elapsed: float) -> None:
        self._learn(elapsed / max(self._running_cost, 1))
        self._running_cost = 0
        for job, outcome in zip(jobs, outcomes, strict=True):
            self._hold(job, -job.cost)
            if job.future.done():  # its client left or its deadline passed meanwhile
                continue
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        assert self._loop is not None
        # The next call after this loop turn's callbacks: an inline call's answer is sent, and
        # what arrived meanwhile is queued, before it starts.
        self._loop.call_soon(self._dispatch)

    def _learn(self, seconds_per_cost: float) -> None:
        known = self._seconds_per_cost
        self._seconds_per_cost = (
            seconds_per_cost
            if known is None
            else known + RATE_SMOOTHING * (seconds_per_cost - known)
        )

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


class PredictionBatcher:
    """Routes each request to a lane by its cost, bounds what queues, and waits for the answer."""

    def __init__(
        self,
        max_batch_size: int,
        max_queued_cost: int = 2_000_000,
        timeout_seconds: float = 10.0,
        on_drop: Callable[[str, str], None] | None = None,
        max_batch_chars: int | None = None,
    ) -> None:
        self.max_batch_size = max_batch_size
        self.timeout_seconds = timeout_seconds
        self._on_drop = on_drop or (lambda model, reason: None)
        # Small requests never wait behind a bulk call: they have a lane (and thread) of their
        # own, with a quarter of the queue bound.
        express_bound = max_queued_cost // 4
        self._express = _Lane(
            "express", max_batch_size, express_bound, timeout_seconds, max_batch_chars
        )
        self._bulk = _Lane(
            "bulk",
            max_batch_size,
            max_queued_cost - express_bound,
            timeout_seconds,
            max_batch_chars,
        )

    @property
    def queued_cost(self) -> int:
        return self._express.queued_cost + self._bulk.queued_cost

    async def predict(self, model: LoadedModel, item: Any, caller: Caller = ANONYMOUS) -> Any:
        [prediction] = await self.predict_many(model, [item], caller)
        return prediction

    async def predict_many(
        self, model: LoadedModel, items: list[Any], caller: Caller = ANONYMOUS
    ) -> list[Any]:
        """The items' predictions from one model call; `caller.gone()` completing abandons them.

        The deadline is a timer and the client is watched only once the answer is late: most
        answers come sooner, and a task per request to watch its connection was a tenth of the
        event loop's time under load (tests/performance/PROFILE.md)."""
        if not items:
            return []
        job = self._admit(model, items, caller.name)
        loop = job.future.get_loop()
        deadline = loop.call_later(self.timeout_seconds, self.expire, job, "timeout")
        watch = _Watch(self, job, caller.gone)
        if caller.gone is not None:
            watch.timer = loop.call_later(WATCH_AFTER_SECONDS, watch.start)
        try:
            return await job.future
        except (ClientDisconnected, RequestTimedOut):
            if job.dropped is not None:  # counted here, so the request's own log line says why
                self._on_drop(model.name, job.dropped)
            raise
        finally:
            deadline.cancel()
            watch.stop()
            if job.future.cancelled():  # its awaiter was cancelled (a shutdown)
                job.lane.release(job)

    def expire(self, job: _Job, reason: str) -> None:
        """Drop `job` for `reason` (its deadline, or its client gone): it never reaches the
        model, or its answer is discarded."""
        if job.future.done():
            return
        job.lane.release(job)
        job.dropped = reason
        if reason == "client_gone":
            job.future.set_exception(
                ClientDisconnected("The client disconnected before the prediction")
            )
        else:
            job.future.set_exception(
                RequestTimedOut(
                    f"Prediction not answered within {self.timeout_seconds:g} s; retry later"
                )
            )

    def refusal(self, model_name: str, cost: int, owner: str | None) -> Exception | None:
        """Why work of `cost` from `owner` is not admitted now (counted), or None: over the
        caller's share (429) before the lane's bound (503), so a flood is told to slow down."""
        lane = self._lane_for(cost)
        if not lane.admits_from(owner, cost):
            self._on_drop(model_name, "caller_share")
            wait = max(1, math.ceil(lane.expected_wait()))
            return QueueShareExceeded(
                f"Client {owner!r} already has half of the queued work; retry later", wait
            )
        if not lane.admits(cost, owner):
            return self.overloaded(model_name, cost)
        return None

    def overloaded(self, model_name: str, cost: int = 0) -> Overloaded:
        """The error that sheds a request, counted; Retry-After is when its lane should have
        drained what is queued now."""
        self._on_drop(model_name, "shed")
        wait = self._lane_for(cost).expected_wait()
        return Overloaded("Too much work is queued; retry later", max(1, math.ceil(wait)))

    def _lane_for(self, cost: int) -> _Lane:
        return self._express if cost <= EXPRESS_MAX_COST else self._bulk

    def _admit(self, model: LoadedModel, items: list[Any], owner: str | None) -> _Job:
        chars = item_chars(items)  # one pass: the cost and the packing bound both need it
        cost = request_cost(items, chars)
        refused = self.refusal(model.name, cost, owner)
        if refused is not None:
            raise refused
        lane = self._lane_for(cost)
        loop = asyncio.get_running_loop()
        job = _Job(model, items, cost, chars, loop.create_future(), lane, owner)
        lane.enqueue(job, loop)
        return job

    def shutdown(self) -> None:
        self._express.shutdown()
        self._bulk.shutdown()


class _Watch:
    """Watches a late job's client: when it has gone, the job is dropped."""

    def __init__(self, batcher: PredictionBatcher, job: _Job, gone: ClientGone | None) -> None:
        self.batcher = batcher
        self.job = job
        self.gone = gone
        self.timer: asyncio.TimerHandle | None = None
        self.task: asyncio.Future[object] | None = None

    def start(self) -> None:
        if self.gone is None or self.job.future.done():
            return
        self.task = asyncio.ensure_future(self.gone())
        self.task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Future[object]) -> None:
        if not task.cancelled() and task.exception() is None:
            self.batcher.expire(self.job, "client_gone")

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.task is not None:
            self.task.cancel()


def _timed_compute(model: LoadedModel, jobs: list[_Job]) -> tuple[list[Outcome], float]:
    started = time.perf_counter()
    outcomes = _compute(model, jobs)
    return outcomes, time.perf_counter() - started


def _compute(model: LoadedModel, jobs: list[_Job]) -> list[Outcome]:
    """On the inference thread: one call for every job; if it raises, one call per job. A
    model's BaseException is caught too: it must not end the worker."""
    outcomes = predict_isolated(model, [job.items for job in jobs], catching=BaseException)
    return [_failure(out) if isinstance(out, BaseException) else out for out in outcomes]


def _failure(exc: BaseException) -> Exception:
    """What the request's awaiter gets: an Exception (a 500 for its request alone), never a
    BaseException that would unwind the event loop."""
    if isinstance(exc, Exception):
        return exc
    return RuntimeError(f"The model raised {type(exc).__name__}: {exc}")


async def wait_for_disconnect(receive: Callable[[], Awaitable[Mapping[str, Any]]]) -> None:
    """Completes when the ASGI server reports the client gone (call once the body is read)."""
    with contextlib.suppress(Exception):
        while (await receive())["type"] != "http.disconnect":
            pass


def batcher_from_settings(settings: Settings) -> PredictionBatcher:
    """The process's batcher, with its bounds from settings and its drops counted."""
    return PredictionBatcher(
        settings.max_batch_size,
        max_queued_cost=settings.max_queued_cost,
        timeout_seconds=settings.request_timeout_seconds,
        on_drop=_count_drop,
        max_batch_chars=settings.max_batch_chars,
    )


def _count_drop(model_name: str, reason: str) -> None:
    metrics.add(metric_names.DROPPED_COUNT, 1, model=model_name, reason=reason)
    logger.thread_safe_append_keys(model=model_name, dropped=reason)
