"""Gather concurrent predictions into one model call.

Requests that arrive while the event loop is busy are queued; one callback, scheduled with
`call_soon`, predicts them together. Nothing waits for a batch to fill, so a lone request pays
no extra latency, while under load the per-call overhead of the model is shared. A request's
items always go to the model in the same call, with the model reference the request took.
A call is bounded by what it costs, not only by its count: a text model's time grows with the
characters it reads, and one 20,000-character review costs as much as a few hundred tweets.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from shared.model import LoadedModel, Prediction


@dataclass
class _Request:
    model: LoadedModel
    items: list[Any]
    future: asyncio.Future[list[Prediction]] = field(repr=False)


class PredictionBatcher:
    def __init__(self, max_batch_size: int, max_batch_chars: int | None = None) -> None:
        self.max_batch_size = max_batch_size
        self.max_batch_chars = max_batch_chars
        self._pending: list[_Request] = []
        self._scheduled = False

    async def predict(self, model: LoadedModel, item: Any) -> Prediction:
        [prediction] = await self.predict_many(model, [item])
        return prediction

    async def predict_many(self, model: LoadedModel, items: list[Any]) -> list[Prediction]:
        if not items:
            return []
        loop = asyncio.get_running_loop()
        request = _Request(model, items, loop.create_future())
        self._pending.append(request)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._run)
        return await request.future

    def _run(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        by_model: dict[int, list[_Request]] = {}
        for request in pending:
            by_model.setdefault(id(request.model), []).append(request)
        for requests in by_model.values():
            for chunk in self._pack(requests):
                self._predict_chunk(chunk)

    def _pack(self, requests: list[_Request]) -> list[list[_Request]]:
        """Whole requests, in arrival order, into calls within both limits (items, characters).

        A request is never split, so a call may exceed a limit only when one request does.
        """
        chunks: list[list[_Request]] = []
        size = chars = 0
        limit = self.max_batch_chars
        for request in requests:
            cost = _chars(request.items)
            full = size + len(request.items) > self.max_batch_size
            if not chunks or full or (limit is not None and chars + cost > limit):
                chunks.append([])
                size = chars = 0
            chunks[-1].append(request)
            size += len(request.items)
            chars += cost
        return chunks

    @staticmethod
    def _predict_chunk(chunk: list[_Request]) -> None:
        try:
            predictions = chunk[0].model.predict([item for r in chunk for item in r.items])
        except Exception as exc:  # handed to every waiting request, never lost
            for request in chunk:
                if not request.future.done():
                    request.future.set_exception(exc)
            return
        start = 0
        for request in chunk:
            end = start + len(request.items)
            if not request.future.done():
                request.future.set_result(predictions[start:end])
            start = end


def _chars(items: list[Any]) -> int:
    """A text's cost is its length; any other item (a feature dict) counts as one."""
    return sum(len(item) if isinstance(item, str) else 1 for item in items)
