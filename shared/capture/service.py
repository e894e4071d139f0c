"""Capture and feedback for one process: the answer listener, POST /feedback's work, and the
background writers' start, flush and stop."""

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from shared.capture.feedback import FeedbackRequest, FeedbackResponse, score
from shared.capture.receipt_sqlite import SQLiteReceipts
from shared.capture.receipts import ReceiptBook, ReceiptStore
from shared.capture.records import feedback_record
from shared.capture.sinks import LocalDirSink, Sink
from shared.capture.writer import CaptureWriter, Sampler
from shared.errors import UnknownRequest
from shared.observability import logger, metric_names, metrics
from shared.serving.answers import Answer
from shared.serving.registry import ModelRegistry
from shared.settings import Settings

Handler = TypeVar("Handler", bound=Callable[..., Any])


class Capture:
    def __init__(
        self, writer: CaptureWriter, sampler: Sampler, receipts: ReceiptBook | None
    ) -> None:
        self.writer = writer
        self.sampler = sampler
        self.receipts = receipts

    def on_answer(self, answer: Answer) -> None:
        """The answer listener (on the request's path): queue a receipt and maybe a capture."""
        if answer.request_id is None:
            return
        if self.receipts is not None:
            self.receipts.keep(answer)
        if self.sampler():
            self.writer.capture_answer(answer)

    async def feedback(
        self, body: FeedbackRequest, client: str | None, registry: ModelRegistry
    ) -> FeedbackResponse:
        """Join a label to the client's own prediction, capture it, and score the answer."""
        found = None
        if self.receipts is not None:
            found = await self.receipts.find(client, body.request_id)
        if found is None:  # the same answer whether the id is unknown or another client's
            raise UnknownRequest(f"No prediction with request id {body.request_id!r}")
        logger.thread_safe_append_keys(model=found.model, model_version=found.version)
        labels = registry.get(found.model).manifest.labels if found.kind == "classification" else []
        quality = score(found, body, labels)
        self.writer.capture_feedback(
            feedback_record(
                body.request_id,
                time.time(),
                found.model,
                found.version,
                client,
                label=body.label,
                value=body.value,
            )
        )
        metrics.add(metric_names.LIVE_QUALITY, quality, model=found.model, version=found.version)
        metrics.add(metric_names.FEEDBACK_COUNT, 1, model=found.model, version=found.version)
        return FeedbackResponse(
            request_id=body.request_id, model=found.model, version=found.version
        )

    def start(self) -> None:
        self.writer.batches.start()
        if self.receipts is not None:
            self.receipts.batches.start()

    def stop(self) -> None:
        """Write what is queued (shutdown)."""
        self.writer.batches.stop()
        if self.receipts is not None:
            self.receipts.batches.stop()

    def flush(self) -> None:
        self.writer.batches.flush()
        if self.receipts is not None:
            self.receipts.batches.flush()

    def flushed(self, handler: Handler) -> Handler:
        """For Lambda, whose threads are frozen between invocations: write at the end of each."""

        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            finally:
                self.flush()

        return wrapper  # type: ignore[return-value]


def capture_from_settings(settings: Settings) -> Capture:
    writer = CaptureWriter(
        _sink(settings),
        settings.capture_text,
        settings.capture_buffer_records,
        settings.capture_flush_seconds,
    )
    sampler = Sampler(settings.capture_sample_rate, settings.capture_seed)
    receipts = None
    if settings.feedback_receipts:
        receipts = ReceiptBook(
            _receipt_store(settings),
            settings.receipt_ttl_hours * 3600,
            settings.capture_buffer_records,
            settings.capture_flush_seconds,
            shared=bool(settings.receipt_table_name) or settings.web_concurrency > 1,
        )
    return Capture(writer, sampler, receipts)


def _receipt_store(settings: Settings) -> ReceiptStore:
    if not settings.receipt_table_name:
        return SQLiteReceipts(settings.receipts_path)
    from shared.capture.receipt_dynamo import DynamoReceipts  # boto3: not before /health

    return DynamoReceipts(settings.receipt_table_name)


def _sink(settings: Settings) -> Sink:
    predictions, feedback = settings.capture_predictions_stream, settings.capture_feedback_stream
    if predictions is None and feedback is None:
        return LocalDirSink(settings.capture_dir)
    if predictions is None or feedback is None:
        raise ValueError(
            "set both CAPTURE_PREDICTIONS_STREAM and CAPTURE_FEEDBACK_STREAM, or neither"
        )
    from shared.capture.firehose import FirehoseSink  # boto3: not before /health

    return FirehoseSink({"predictions": predictions, "feedback": feedback})
