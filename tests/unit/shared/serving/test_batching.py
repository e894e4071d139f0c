"""A batch, and concurrent single requests, cost one model call."""

import asyncio
from pathlib import Path
from typing import Any

from model_build.release.artifacts import read_manifest
from shared.serving.batching import PredictionBatcher
from shared.serving.bodies import BatchRequest
from shared.serving.loaded_model import LoadedModel, load_verified
from shared.serving.prediction import predict_batch
from shared.serving.registry import ModelRegistry
from shared.settings import Settings
from shared.store.local import LocalStore


class CountingEstimator:
    """Wraps the real estimator and counts predict_proba calls."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.classes_ = inner.classes_
        self.calls: list[int] = []

    def predict_proba(self, inputs: Any) -> Any:
        self.calls.append(len(inputs))
        return self.inner.predict_proba(inputs)


def counting_model(model_dir: Path) -> tuple[LoadedModel, CountingEstimator]:
    manifest = read_manifest(model_dir)
    model = load_verified(manifest, (model_dir / manifest.artifact).read_bytes())
    counter = CountingEstimator(model.estimator)
    return LoadedModel(manifest, counter), counter


def test_the_batch_route_calls_the_model_once(sentiment_model_dir: Path, tmp_path: Path) -> None:
    model, counter = counting_model(sentiment_model_dir)
    registry = ModelRegistry(LocalStore(tmp_path), Settings(model_dir=tmp_path))
    registry._models = {"sentiment": model}  # a registry already holding the model
    items: list[Any] = [{"text": f"text number {i}"} for i in range(64)] + [{"text": ""}]
    batcher = PredictionBatcher(max_batch_size=256)
    response = asyncio.run(
        predict_batch("sentiment", BatchRequest(items=items), registry, batcher, Settings())
    )
    assert counter.calls == [64]
    assert len(response.results) == 65 and response.results[64].error


def test_concurrent_single_predictions_share_one_model_call(sentiment_model_dir: Path) -> None:
    model, counter = counting_model(sentiment_model_dir)
    batcher = PredictionBatcher(max_batch_size=256)

    async def many() -> list[str]:
        predictions = await asyncio.gather(
            *(batcher.predict(model, f"text {i}") for i in range(40))
        )
        return [p.label for p in predictions]

    labels = asyncio.run(many())
    assert len(labels) == 40
    assert counter.calls == [40]
    assert [p.label for p in model.predict([f"text {i}" for i in range(40)])] == labels


def test_batches_are_split_at_the_size_limit(sentiment_model_dir: Path) -> None:
    model, counter = counting_model(sentiment_model_dir)
    batcher = PredictionBatcher(max_batch_size=16)

    async def many() -> None:
        await asyncio.gather(*(batcher.predict(model, "hello") for _ in range(40)))

    asyncio.run(many())
    assert counter.calls == [16, 16, 8]


def test_concurrent_batches_share_calls_without_splitting_a_request(
    sentiment_model_dir: Path,
) -> None:
    model, counter = counting_model(sentiment_model_dir)
    batcher = PredictionBatcher(max_batch_size=100)

    async def many() -> list[list[str]]:
        batches = [[f"text {b}-{i}" for i in range(40)] for b in range(5)]
        results = await asyncio.gather(*(batcher.predict_many(model, batch) for batch in batches))
        return [[p.label for p in result] for result in results]

    labels = asyncio.run(many())
    assert counter.calls == [80, 80, 40]  # two whole requests per call, never one split in two
    assert [len(batch) for batch in labels] == [40] * 5


def test_calls_are_bounded_by_characters_as_well_as_items(sentiment_model_dir: Path) -> None:
    # GIVEN a budget of 1,000 characters per call and requests of 400 characters each
    model, counter = counting_model(sentiment_model_dir)
    batcher = PredictionBatcher(max_batch_size=256, max_batch_chars=1000)
    review = "a fine long review " * 20 + "wonderful ending. "  # with "!!": 400 characters

    async def many() -> None:
        await asyncio.gather(*(batcher.predict(model, review + "!!") for _ in range(5)))

    # WHEN they arrive together THEN each call holds two (800 characters), never three
    asyncio.run(many())
    assert counter.calls == [2, 2, 1]


def test_one_request_over_the_character_budget_is_still_one_call(
    sentiment_model_dir: Path,
) -> None:
    model, counter = counting_model(sentiment_model_dir)
    batcher = PredictionBatcher(max_batch_size=256, max_batch_chars=10)
    asyncio.run(batcher.predict_many(model, ["a text longer than ten", "another one"]))
    assert counter.calls == [2]
