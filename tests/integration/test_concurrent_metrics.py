"""Hundreds of concurrent requests to the served app never mix metrics or log keys.

The server flushes metrics only at shutdown here (METRICS_FLUSH_SECONDS is an hour), so the EMF it
writes on SIGTERM must add up to exactly what was sent, per route, status class and label. With
two workers each process gathers its own batches and flushes its own buffer: the sums still add up.
"""

import asyncio
import itertools
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from model_build.release.publish import publish
from shared.metrics_contract import ALL_METRICS
from shared.store.local import LocalStore
from tests.support.emf import (
    declared_metrics,
    emf_documents,
    log_records,
    metric_values,
    spec_violations,
    totals,
)
from tests.support.servers import uvicorn_server

pytestmark = pytest.mark.integration

TEXTS = [
    "I absolutely love this, it is wonderful and works perfectly!",
    "This is the worst service I have ever used, totally broken.",
    "The package arrived on Tuesday.",
    "Great support team, quick and friendly answers.",
    "Terrible update, everything is slower now and crashes.",
    "The meeting is scheduled for 3 pm.",
]


@dataclass(frozen=True)
class Sent:
    """One request as sent, with the route template it must be counted under."""

    method: str
    path: str
    route: str
    body: Any = None
    id_header: str | None = "x-request-id"


@dataclass
class Answer:
    sent: Sent
    request_id: str | None
    status: int
    echoed: str
    body: Any


def plan(total: int) -> list[Sent]:
    """A mix of good and bad requests over several routes, and all three ways to carry an id."""
    kinds = itertools.cycle(
        [
            *[Sent("POST", "/predict", "/predict", {"text": t}) for t in TEXTS],
            Sent("POST", "/predict", "/predict", {"text": "   "}),  # 422
            Sent("POST", "/predict", "/predict", {"txt": "x"}, id_header="x-amzn-trace-id"),  # 422
            Sent("GET", "/health", "/health", id_header=None),
            Sent("GET", "/nope", "unmatched"),  # 404
            Sent(
                "POST",
                "/models/sentiment/predict/batch",
                "/models/{name}/predict/batch",
                {"items": [{"text": t} for t in TEXTS[:3]]},
            ),
        ]
    )
    return [next(kinds) for _ in range(total)]


async def send_all(base_url: str, requests: list[Sent]) -> list[Answer]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def one(sent: Sent) -> Answer:
            request_id = f"conc-{uuid.uuid4().hex}" if sent.id_header else None
            headers = {sent.id_header: request_id} if sent.id_header and request_id else {}
            response = await client.request(sent.method, sent.path, json=sent.body, headers=headers)
            return Answer(
                sent,
                request_id,
                response.status_code,
                response.headers["x-request-id"],
                response.json(),
            )

        return await asyncio.gather(*(one(sent) for sent in requests))


# The image's launcher (handlers/server/), with the worker count pinned and the keep-alive the
# image sets (75 s, past the ALB's 60 s): uvicorn's default 5 s closes an idle pooled connection
# just as the client reuses it, and a POST is not retried (httpx.ReadError on a slow machine).
LAUNCHER = [sys.executable, "-m", "handlers.server", "handlers.http.app:app", "--host", "127.0.0.1"]
LAUNCHER += ["--timeout-keep-alive", "75"]
MODEL_LOADED = '"message":"Model loaded"'


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def served(
    tmp_path_factory: pytest.TempPathFactory,
    sentiment_model_dir: Path,
    request: pytest.FixtureRequest,
) -> tuple[list[Answer], str, float]:
    """400 concurrent requests to a real uvicorn, then SIGTERM; the answers and its whole output."""
    workers: int = request.param
    root = tmp_path_factory.mktemp("concurrency")
    publish(sentiment_model_dir, LocalStore(root / "store"), alias="production")
    log_path = root / "server.log"
    env = {
        "MODEL_DIR": str(root / "store"),
        "METRICS_FLUSH_SECONDS": "3600",
        "WEB_CONCURRENCY": str(workers),
    }
    command = [*LAUNCHER, "--port", "{port}", "--no-access-log"]
    with uvicorn_server(env, log_path, command=command) as server:
        _wait_for_every_worker(server.log_path, workers)
        started = time.perf_counter()
        answers = asyncio.run(send_all(server.url, plan(400)))
        elapsed = time.perf_counter() - started
    # The context manager has sent SIGTERM and waited: the shutdown flush is in the log.
    output = log_path.read_text()
    # Each worker flushed its own buffer; all of them took part (else 2 workers proves nothing).
    predict_counts = [
        doc
        for doc in emf_documents(output)
        if doc.get("route") == "/predict" and "RequestCount" in doc
    ]
    assert len(predict_counts) == workers, f"{len(predict_counts)} flushes counted /predict"
    return answers, output, elapsed


def _wait_for_every_worker(log_path: Path, workers: int, timeout: float = 90) -> None:
    """One worker's /ready says nothing of the others': each logs its own model load."""
    deadline = time.monotonic() + timeout
    while log_path.read_text().count(MODEL_LOADED) < workers:
        assert time.monotonic() < deadline, f"not every worker loaded:\n{log_path.read_text()}"
        time.sleep(0.1)


def test_requests_were_answered_with_their_own_ids(served: tuple[list[Answer], str, float]) -> None:
    answers, _, elapsed = served
    # THEN every request got an answer, and a given id is echoed unchanged
    assert len(answers) == 400
    for answer in answers:
        if answer.request_id:
            assert answer.echoed == answer.request_id
    assert len({a.echoed for a in answers}) == 400
    print(f"400 concurrent requests in {elapsed:.2f} s ({400 / elapsed:.0f} req/s)")


def test_flushed_totals_equal_what_was_sent(served: tuple[list[Answer], str, float]) -> None:
    answers, output, _ = served
    docs = emf_documents(output)
    # THEN the EMF written at shutdown is valid and declares only metrics of the contract
    assert docs and all(spec_violations(doc) == [] for doc in docs)
    contract = {(m.name, m.unit, frozenset({"service", *m.dimensions})) for m in ALL_METRICS}
    assert declared_metrics(docs) <= contract
    # AND counts per route, per status class and per predicted label are exact
    ours = {a.sent.route for a in answers}  # /ready was also polled while the server started
    sent_routes = Counter((a.sent.route,) for a in answers)
    counted = totals(docs, "RequestCount", "route")
    assert {k: v for k, v in counted.items() if k[0] in ours} == sent_routes
    errors = Counter((a.sent.route, f"{a.status // 100}xx") for a in answers if a.status >= 400)
    counted_errors = totals(docs, "ErrorCount", "route", "status_class")
    assert {k: v for k, v in counted_errors.items() if k[0] in ours} == errors
    assert {s for _, s in errors} == {"4xx"}  # bad input never becomes a 5xx
    assert totals(docs, "PredictionCount", "label") == _labels(answers)
    latencies = Counter(
        {key: len(vals) for key, vals in _latencies(docs).items() if key[0] in ours}
    )
    assert latencies == sent_routes


def test_each_request_log_line_carries_its_own_keys(
    served: tuple[list[Answer], str, float],
) -> None:
    answers, output, _ = served
    by_id = {r["correlation_id"]: r for r in log_records(output) if r["message"] == "request"}
    # THEN each answer's echoed id names exactly one request line, for that request
    for answer in answers:
        record = by_id[answer.echoed]
        assert (record["path"], record["status"]) == (answer.sent.path, answer.status)
        if answer.sent.path == "/predict" and answer.status == 200:
            # a key another request appended would show here as a different label or model
            assert record["label"] == answer.body["sentiment"]
            assert record["model_version"] == answer.body["model_version"]
        elif answer.sent.route == "/models/{name}/predict/batch":
            assert record["items"] == 3
        else:
            assert "label" not in record and "items" not in record
    request_lines = [r for r in log_records(output) if r["message"] == "request"]
    ids = Counter(r["correlation_id"] for r in request_lines)
    assert all(ids[a.echoed] == 1 for a in answers)


def _labels(answers: list[Answer]) -> Counter[tuple[str, ...]]:
    labels: Counter[tuple[str, ...]] = Counter()
    for answer in answers:
        if answer.status != 200:
            continue
        if answer.sent.route == "/predict":
            labels[(answer.body["sentiment"],)] += 1
        elif "results" in answer.body:
            labels.update((item["prediction"]["label"],) for item in answer.body["results"])
    return labels


def _latencies(docs: list[dict[str, Any]]) -> dict[tuple[str, ...], list[float]]:
    found: dict[tuple[str, ...], list[float]] = {}
    for dimensions, values in metric_values(docs, "RequestLatency").items():
        found.setdefault((dict(dimensions)["route"],), []).extend(values)
    return found
