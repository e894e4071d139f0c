"""A large body is shed from its Content-Length, before the event loop reads or parses it."""

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

from starlette.routing import Router

from handlers.http.admission.stage import AdmissionStage
from shared.serving.batching import EXPRESS_MAX_COST, PredictionBatcher
from shared.serving.registry import ModelRegistry
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.unit.shared.serving.test_batching_isolation import fake_model

BIG = "x" * (2 * EXPRESS_MAX_COST)


async def refuse_to_run(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("a shed request reached the application")


def test_a_large_body_is_shed_unread_when_its_lane_is_full(tmp_path: Any) -> None:
    model, estimator = fake_model()
    estimator.gate.clear()
    batcher = PredictionBatcher(max_batch_size=256, max_queued_cost=4 * len(BIG))
    registry = ModelRegistry(LocalStore(tmp_path), Settings(model_dir=tmp_path))
    shed = AdmissionStage(
        refuse_to_run,
        Router(),
        auth=None,
        batcher=batcher,
        registry=registry,
        max_body_bytes=10 * len(BIG),
        max_body_values=65_536,
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    async def scenario() -> None:
        # GIVEN one bulk call computing and one queued, which fill the bulk lane's bound
        computing = []
        for _ in range(2):
            computing.append(asyncio.ensure_future(batcher.predict(model, BIG)))
            await asyncio.sleep(0.05)
        # WHEN another large body arrives
        headers = [(b"content-length", str(2 * len(BIG)).encode())]
        scope = {"type": "http", "method": "POST", "path": "/predict", "headers": headers}
        await shed(scope, receive, send)
        estimator.gate.set()
        await asyncio.gather(*computing)

    asyncio.run(scenario())
    # THEN it is answered 503 with Retry-After, unread
    start, body = sent
    assert start["status"] == 503
    assert (b"retry-after", b"1") in start["headers"]
    assert "retry later" in json.loads(body["body"])["detail"]
