"""The batcher keeps one client's work from hurting another's: model calls run off the event
loop, queued work is bounded, deadlines and disconnects drop work before the model sees it, and a
call that raises fails only the request that caused it."""

import asyncio
import threading
import time
from typing import Any

import numpy as np
import pytest

from shared.errors import ClientDisconnected, Overloaded, QueueShareExceeded, RequestTimedOut
from shared.manifest import ModelManifest, SampleCheck, TextInputSchema
from shared.serving.batching import (
    ANONYMOUS,
    EXPRESS_MAX_COST,
    ITEM_COST,
    Caller,
    PredictionBatcher,
)
from shared.serving.loaded_model import LoadedModel

POISON = "poison"


class FakeEstimator:
    """Answers 'positive'; raises on POISON; blocks while `gate` is closed; records every call."""

    classes_ = np.array(["negative", "positive"])

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.calls: list[list[str]] = []

    def predict_proba(self, texts: list[str]) -> Any:
        self.calls.append(list(texts))
        self.gate.wait(10)
        if POISON in texts:
            raise ValueError("the model cannot take this text")
        return np.array([[0.2, 0.8]] * len(texts))


def fake_model() -> tuple[LoadedModel, FakeEstimator]:
    manifest = ModelManifest(
        name="fake",
        version="1",
        task="text-classification",
        created_at="2026-11-28T00:00:00Z",
        labels=["negative", "positive"],
        input_schema=TextInputSchema(),
        sha256="0" * 64,
        sample=SampleCheck(input={"text": "fine"}, expected_label="positive"),
    )
    estimator = FakeEstimator()
    return LoadedModel(manifest, estimator), estimator


def test_a_text_that_makes_the_model_raise_fails_only_its_own_request() -> None:
    model, estimator = fake_model()
    batcher = PredictionBatcher(max_batch_size=256)

    async def round_of_21() -> list[Any]:
        texts = [f"ordinary {i}" for i in range(10)] + [POISON] + [f"more {i}" for i in range(10)]
        return await asyncio.gather(
            *(batcher.predict(model, text) for text in texts), return_exceptions=True
        )

    results = asyncio.run(round_of_21())
    failed = [i for i, result in enumerate(results) if isinstance(result, Exception)]
    assert failed == [10]
    assert all(result.label == "positive" for i, result in enumerate(results) if i != 10)
    assert len(estimator.calls[0]) == 21  # they were packed together, then retried one by one


class ModelExit(BaseException):
    """Not an Exception: what a model's own code might raise (SystemExit, a C extension's)."""


def test_a_model_raising_a_base_exception_fails_only_that_request() -> None:
    model, estimator = fake_model()
    original = estimator.predict_proba

    def exits(texts: list[str]) -> Any:
        if POISON in texts:
            raise ModelExit("bye")
        return original(texts)

    estimator.predict_proba = exits  # type: ignore[method-assign]
    batcher = PredictionBatcher(max_batch_size=256)

    async def scenario() -> list[Any]:
        texts = ["fine", POISON, "also fine"]
        first = await asyncio.gather(
            *(batcher.predict(model, text) for text in texts), return_exceptions=True
        )
        return [*first, await batcher.predict(model, "after")]  # the lane still works

    results = asyncio.run(scenario())
    assert isinstance(results[1], RuntimeError)
    assert "ModelExit" in str(results[1])
    assert [r.label for i, r in enumerate(results) if i != 1] == ["positive"] * 3


def test_the_event_loop_runs_while_the_model_computes() -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    batcher = PredictionBatcher(max_batch_size=256)

    async def scenario() -> float:
        prediction = asyncio.ensure_future(batcher.predict(model, "slow"))
        await asyncio.sleep(0.05)  # the call is now running on the inference thread
        started = time.perf_counter()
        await asyncio.sleep(0)  # the loop is free: this returns at once
        loop_latency = time.perf_counter() - started
        estimator.gate.set()
        await prediction
        return loop_latency

    assert asyncio.run(scenario()) < 0.05


def test_a_small_request_is_answered_while_a_bulk_call_computes() -> None:
    model, estimator = fake_model()
    bulk_gate = threading.Event()
    bulk = "b" * EXPRESS_MAX_COST

    def predict_proba(texts: list[str]) -> Any:
        if bulk in texts:
            bulk_gate.wait(10)
        return np.array([[0.2, 0.8]] * len(texts))

    estimator.predict_proba = predict_proba  # type: ignore[method-assign]
    batcher = PredictionBatcher(max_batch_size=256)

    async def scenario() -> None:
        computing = asyncio.ensure_future(batcher.predict(model, bulk))
        await asyncio.sleep(0.05)
        assert (await asyncio.wait_for(batcher.predict(model, "small"), 2)).label == "positive"
        assert not computing.done()
        bulk_gate.set()
        await computing

    asyncio.run(scenario())


def test_work_queued_past_the_bound_is_shed_with_a_retry_hint() -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    text = "x" * 1000
    # Small requests get a quarter of the bound: room for two of these.
    batcher = PredictionBatcher(max_batch_size=256, max_queued_cost=4 * 2 * (1000 + ITEM_COST))

    async def scenario() -> list[Any]:
        running = asyncio.ensure_future(batcher.predict(model, "running"))
        await asyncio.sleep(0.05)
        queued = [asyncio.ensure_future(batcher.predict(model, text)) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(Overloaded) as shed:
            await batcher.predict(model, text)
        assert shed.value.retry_after_seconds >= 1
        estimator.gate.set()
        return await asyncio.gather(running, *queued)

    assert len(asyncio.run(scenario())) == 3
    assert batcher.queued_cost == 0


def test_one_client_holds_at_most_half_the_queue_and_the_others_still_get_in() -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    text = "x" * 1000
    # Small requests get a quarter of the bound: room for four of these, two per client, what
    # a client has computing counted in its two.
    drops: list[str] = []
    batcher = PredictionBatcher(
        max_batch_size=256,
        max_queued_cost=4 * 4 * (1000 + ITEM_COST),
        on_drop=lambda model, reason: drops.append(reason),
    )
    flooder, other = Caller("flooder"), Caller("other")

    async def scenario() -> list[Any]:
        running = asyncio.ensure_future(batcher.predict(model, text, flooder))
        await asyncio.sleep(0.05)
        # GIVEN a client with half the queue: one request computing, one waiting
        held = asyncio.ensure_future(batcher.predict(model, text, flooder))
        await asyncio.sleep(0)
        # WHEN it sends more
        with pytest.raises(QueueShareExceeded) as refused:
            await batcher.predict(model, text, flooder)
        # THEN it is told to slow down (429), and another client's work is still queued
        assert refused.value.status_code == 429
        assert refused.value.retry_after_seconds >= 1
        assert "'flooder'" in refused.value.args[0]
        others = [asyncio.ensure_future(batcher.predict(model, text, other)) for _ in range(2)]
        await asyncio.sleep(0)
        estimator.gate.set()
        return await asyncio.gather(running, held, *others)

    assert len(asyncio.run(scenario())) == 4
    assert drops == ["caller_share"]
    assert batcher.queued_cost == 0


def test_a_flood_of_large_batches_gets_429s_and_never_another_clients_503() -> None:
    """The audit's case: two concurrent batches each larger than a client's share, from one key,
    once had every large batch of another key shed (503): the share counted only queued work."""
    model, estimator = fake_model()
    estimator.gate.clear()
    big = ["x" * 5000] * 200  # 1,010,000: more than half the bulk lane's 1,500,000
    batcher = PredictionBatcher(max_batch_size=256, max_queued_cost=2_000_000)
    flooder, other = Caller("flooder"), Caller("other")

    async def scenario() -> None:
        running = asyncio.ensure_future(batcher.predict_many(model, big, flooder))
        await asyncio.sleep(0.05)
        # GIVEN one client's large batch computing WHEN it sends another at once
        with pytest.raises(QueueShareExceeded):
            await batcher.predict_many(model, big, flooder)
        # THEN another client's batches still get in, one after the other
        first = asyncio.ensure_future(batcher.predict_many(model, big, other))
        await asyncio.sleep(0)
        with pytest.raises(QueueShareExceeded):  # the other client's own second is its share
            await batcher.predict_many(model, big, other)
        estimator.gate.set()
        await asyncio.gather(running, first)

    asyncio.run(scenario())


Sent = tuple[str, Caller]


def calls_in_order(computing: Sent, *rounds: list[Sent]) -> list[str]:
    """The texts in the order the model took them, one request per call: `computing` holds the
    model while each round is queued in turn."""
    model, estimator = fake_model()
    estimator.gate.clear()
    batcher = PredictionBatcher(max_batch_size=1)

    async def scenario() -> None:
        running = [asyncio.ensure_future(batcher.predict(model, *computing))]
        await asyncio.sleep(0.05)
        for sent in rounds:
            running += [asyncio.ensure_future(batcher.predict(model, *item)) for item in sent]
            await asyncio.sleep(0)
        estimator.gate.set()
        await asyncio.gather(*running)

    asyncio.run(scenario())
    return [text for [text] in estimator.calls]


def test_a_clients_first_request_does_not_wait_behind_anothers_queue() -> None:
    busy, newcomer = Caller("busy"), Caller("newcomer")
    # GIVEN a client with three requests queued, then another client's one
    order = calls_in_order(
        ("busy 0", busy), [(f"busy {i}", busy) for i in (1, 2, 3)], [("newcomer 1", newcomer)]
    )
    # THEN the newcomer's request is the next call (the busy client has one computing), not last
    assert order == [
        "busy 0",
        "newcomer 1",
        "busy 1",
        "busy 2",
        "busy 3",
    ]


def test_anonymous_requests_keep_their_arrival_order() -> None:
    order = calls_in_order(("0", ANONYMOUS), [(str(i), ANONYMOUS) for i in range(1, 6)])
    assert order == ["0", "1", "2", "3", "4", "5"]


def test_a_client_holding_nothing_may_send_more_than_its_share() -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    big = ["x" * 1000] * 30  # more than half the bulk lane's bound below, and the bulk lane's
    batcher = PredictionBatcher(max_batch_size=256, max_queued_cost=4 * 30 * (1000 + ITEM_COST))

    async def scenario() -> list[list[Any]]:
        running = asyncio.ensure_future(batcher.predict_many(model, big, Caller("other")))
        await asyncio.sleep(0.05)
        # GIVEN another client's call computing, WHEN a client holding nothing sends a request
        # larger than its share THEN it is queued
        queued = asyncio.ensure_future(batcher.predict_many(model, big, Caller("big")))
        await asyncio.sleep(0)
        # AND its next one is refused until that one is answered
        with pytest.raises(QueueShareExceeded):
            await batcher.predict_many(model, big, Caller("big"))
        estimator.gate.set()
        return list(await asyncio.gather(running, queued))

    assert [len(answers) for answers in asyncio.run(scenario())] == [30, 30]


def test_a_request_past_its_deadline_gets_a_timeout_and_never_reaches_the_model() -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    batcher = PredictionBatcher(max_batch_size=256, timeout_seconds=0.2)

    async def scenario() -> None:
        running = asyncio.ensure_future(batcher.predict(model, "running"))
        await asyncio.sleep(0.05)
        with pytest.raises(RequestTimedOut):
            await batcher.predict(model, "late")
        assert batcher.queued_cost == 0  # its cost left the queue with it
        estimator.gate.set()
        with pytest.raises(RequestTimedOut):
            await running
        await batcher.predict(model, "after")

    asyncio.run(scenario())
    assert "late" not in [text for call in estimator.calls for text in call]


def test_work_whose_client_left_is_dropped_before_the_model() -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    batcher = PredictionBatcher(max_batch_size=256)

    async def scenario() -> None:
        running = asyncio.ensure_future(batcher.predict(model, "running"))
        await asyncio.sleep(0.05)
        gone = asyncio.Event()
        caller = Caller(gone=gone.wait)
        abandoned = asyncio.ensure_future(batcher.predict(model, "abandoned", caller))
        await asyncio.sleep(0.01)
        gone.set()
        with pytest.raises(ClientDisconnected):
            await abandoned
        estimator.gate.set()
        await running
        await batcher.predict(model, "after")

    asyncio.run(scenario())
    assert [call for call in estimator.calls] == [["running"], ["after"]]


def test_a_new_event_loop_starts_clean_after_an_abandoned_call() -> None:
    """Lambda (Mangum) may run each invocation on a fresh loop."""
    model, estimator = fake_model()
    estimator.gate.clear()
    batcher = PredictionBatcher(max_batch_size=256, timeout_seconds=0.1)

    with pytest.raises(RequestTimedOut):
        asyncio.run(batcher.predict(model, "stuck"))
    estimator.gate.set()
    assert asyncio.run(batcher.predict(model, "next")).label == "positive"


def test_work_that_would_outlive_its_deadline_is_shed_not_timed_out() -> None:
    """Admission learns what the model costs: on a slow machine it sheds (503, retry later)
    rather than queue work that would time out (504)."""
    model, estimator = fake_model()
    original = estimator.predict_proba

    def slow(texts: list[str]) -> Any:
        time.sleep(0.2)
        return original(texts)

    estimator.predict_proba = slow  # type: ignore[method-assign]
    batcher = PredictionBatcher(max_batch_size=256, timeout_seconds=1.0)
    # Each text of 50 characters costs 100: a call of one is learnt as 0.002 s per unit.
    teach, running_text, queued_text = "t" * 50, "r" * 50, "q" * 50

    async def scenario() -> None:
        await batcher.predict(model, teach)
        running = asyncio.ensure_future(batcher.predict(model, running_text))
        await asyncio.sleep(0.01)
        # 100 running + 100 queued: about 0.4 s, within half the 1 s deadline: admitted.
        queued = asyncio.ensure_future(batcher.predict(model, queued_text))
        await asyncio.sleep(0)
        # With 200 more, about 0.8 s: more than half the deadline, shed.
        with pytest.raises(Overloaded) as shed:
            await batcher.predict(model, "x" * 150)
        assert shed.value.retry_after_seconds >= 1
        await asyncio.gather(running, queued)

    asyncio.run(scenario())
