"""Metrics buffered in memory and written as CloudWatch Embedded Metric Format documents.

Powertools' own Metrics class keeps one dimension set per instance in class-level state, so
concurrent requests with different dimensions would mix. Here each (metric, dimensions) pair
has its own slot behind a lock; Powertools' EMF provider still serialises every document.
"""

import functools
import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from shared.observability.metric_names import COLD_START, MetricSpec

# CloudWatch EMF limits for one document.
MAX_METRICS_PER_DOCUMENT = 100
MAX_VALUES_PER_METRIC = 100

Dimensions = tuple[tuple[str, str], ...]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


class MetricsBuffer:
    """Counts are summed between flushes; other units keep every value (latency percentiles)."""

    def __init__(self, namespace: str, service: str) -> None:
        self.namespace = namespace
        self.service = service
        self._lock = threading.Lock()
        self._values: dict[Dimensions, dict[str, list[float]]] = defaultdict(dict)
        self._units: dict[str, str] = {}
        self._cold = True

    def add(self, spec: MetricSpec, value: float, **dimensions: str) -> None:
        key = tuple(sorted({"service": self.service, **dimensions}.items()))
        with self._lock:
            slot = self._values[key].setdefault(spec.name, [])
            if spec.unit == "Count" and slot:
                slot[0] += value
            else:
                slot.append(value)
            self._units[spec.name] = spec.unit

    def drain(self) -> list[dict[str, Any]]:
        """Take everything buffered and return it as EMF documents within CloudWatch's limits."""
        with self._lock:
            values, self._values = self._values, defaultdict(dict)
            units = dict(self._units)
        timestamp = int(time.time() * 1000)
        documents = []
        for dimensions, by_name in values.items():
            for chunk in _chunks(by_name):
                provider = AmazonCloudWatchEMFProvider(
                    namespace=self.namespace, service=self.service
                )
                provider.timestamp = timestamp
                documents.append(
                    dict(
                        provider.serialize_metric_set(
                            metrics={
                                name: {"Unit": units[name], "Value": vals, "StorageResolution": 60}
                                for name, vals in chunk.items()
                            },
                            dimensions=dict(dimensions),
                            metadata={},
                        )
                    )
                )
        return documents

    def flush(self, write: Callable[[str], object] | None = None) -> int:
        """Write buffered metrics as EMF lines (stdout by default); returns the document count."""
        documents = self.drain()
        out = write or _write_stdout
        for document in documents:
            out(json.dumps(document, separators=(",", ":")))
        return len(documents)

    def log_metrics(self, handler: LambdaHandler) -> LambdaHandler:
        """The per-invocation policy for Lambda: the first call of an execution environment
        counts ColdStart, and every call flushes what it recorded, whatever happens."""

        @functools.wraps(handler)
        def flushed(event: dict[str, Any], context: Any) -> dict[str, Any]:
            if self._cold:
                self._cold = False
                self.add(COLD_START, 1, function_name=str(context.function_name))
            try:
                return handler(event, context)
            finally:
                self.flush()

        return flushed


def _chunks(by_name: dict[str, list[float]]) -> list[dict[str, list[float]]]:
    """Split into documents of at most 100 metrics, each metric with at most 100 values."""
    pieces: list[dict[str, list[float]]] = [{}]
    for name, values in by_name.items():
        for start in range(0, len(values), MAX_VALUES_PER_METRIC):
            target = next(
                (p for p in pieces if name not in p and len(p) < MAX_METRICS_PER_DOCUMENT), None
            )
            if target is None:
                target = {}
                pieces.append(target)
            target[name] = values[start : start + MAX_VALUES_PER_METRIC]
    return [piece for piece in pieces if piece]


def _write_stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
