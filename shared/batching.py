"""Gather concurrent single predictions into one model call.

Requests that arrive while the event loop is busy are queued; one callback, scheduled with
`call_soon`, predicts them all at once. Nothing waits for a batch to fill, so a lone request
pays no extra latency, while under load the per-call overhead of the model is shared.
"""

import asyncio
from typing import Any

from shared.model import LoadedModel, Prediction


class PredictionBatcher:
    def __init__(self, max_batch_size: int) -> None:
        self.max_batch_size = max_batch_size
        self._pending: list[tuple[LoadedModel, Any, asyncio.Future[Prediction]]] = []
        self._scheduled = False

    async def predict(self, model: LoadedModel, item: Any) -> Prediction:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Prediction] = loop.create_future()
        self._pending.append((model, item, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._run)
        return await future

    def _run(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        by_model: dict[int, list[tuple[LoadedModel, Any, asyncio.Future[Prediction]]]] = {}
        for entry in pending:
            by_model.setdefault(id(entry[0]), []).append(entry)
        for group in by_model.values():
            for start in range(0, len(group), self.max_batch_size):
                self._predict_group(group[start : start + self.max_batch_size])

    @staticmethod
    def _predict_group(group: list[tuple[LoadedModel, Any, asyncio.Future[Prediction]]]) -> None:
        model = group[0][0]
        try:
            predictions = model.predict([item for _, item, _ in group])
        except Exception as exc:  # handed to every waiting request, never lost
            for _, _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, _, future), prediction in zip(group, predictions, strict=True):
            if not future.done():
                future.set_result(prediction)
