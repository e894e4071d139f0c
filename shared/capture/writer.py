"""The capture writer: sampled answers and feedback, queued by the request and written by a
background thread to a sink (a local directory or Firehose).

The request only decides whether to sample and queues the answer with the time; the record is
built (texts hashed, outputs dumped) and encoded on the writer's thread.
"""

import random
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from shared.capture.batches import BackgroundBatches
from shared.capture.records import FEEDBACK, PREDICTIONS, Stream, TextMode, prediction_record
from shared.capture.sinks import Record, Sink
from shared.observability import logger, metric_names, metrics
from shared.serving.answers import Answer

# Firehose takes 500 records per call; the local sink one write per folder and batch.
MAX_BATCH = 500


class Pending(NamedTuple):
    stream: Stream
    model: str
    build: Callable[[], Record]


class Sampler:
    """Decides per request whether it is captured: `rate` of them, at random (seeded for tests)."""

    def __init__(self, rate: float, seed: int | None = None) -> None:
        self.rate = rate
        self._random = random.Random(seed)

    def __call__(self) -> bool:
        return self.rate > 0 and self._random.random() < self.rate


class CaptureWriter:
    def __init__(self, sink: Sink, text: TextMode, capacity: int, interval: float = 1.0) -> None:
        self.sink = sink
        self.text = text
        self.batches: BackgroundBatches[Pending] = BackgroundBatches(
            "capture-writer", self._write, self._dropped, capacity, MAX_BATCH, interval
        )

    def capture_answer(self, answer: Answer) -> None:
        build = partial(prediction_record, answer, time.time(), self.text)
        self.batches.offer(Pending(PREDICTIONS, answer.model, build))

    def capture_feedback(self, record: Record) -> None:
        self.batches.offer(Pending(FEEDBACK, record["model"], lambda: record))

    def _write(self, batch: list[Pending]) -> None:
        built: dict[Stream, list[Record]] = {PREDICTIONS: [], FEEDBACK: []}
        unbuilt: list[Pending] = []
        for pending in batch:
            try:
                built[pending.stream].append(pending.build())
            except Exception:  # an answer that cannot be serialised must not lose the batch
                logger.exception("Capture record not built", extra={"model": pending.model})
                unbuilt.append(pending)
        if unbuilt:
            self._dropped(unbuilt, "unbuildable")
        for stream, records in built.items():
            if records:
                self._send(stream, records)

    def _send(self, stream: Stream, records: list[Record]) -> None:
        failed = self.sink.write(stream, records)
        lost = Counter(record["model"] for record in failed)
        written = Counter(record["model"] for record in records) - lost
        for model, count in written.items():
            metrics.add(metric_names.CAPTURED_COUNT, count, model=model, stream=stream)
        for model, count in lost.items():
            metrics.add(metric_names.CAPTURE_DROPPED, count, model=model)

    def _dropped(self, batch: list[Pending], reason: str) -> None:
        for model, count in Counter(p.model for p in batch).items():
            metrics.add(metric_names.CAPTURE_DROPPED, count, model=model)
        if reason != "buffer_full":  # a full buffer is counted; a log line each would flood
            logger.warning("Capture records dropped", extra={"reason": reason, "count": len(batch)})
