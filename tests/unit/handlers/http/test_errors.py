"""Every error is one JSON answer and one log line; access lines are sampled, metrics are not.

In-process, on the app factory with an empty store: these routes never need a model.
"""

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.observability import logger, metrics
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.emf import log_records, totals
from tests.support.faulty_app import BUG, faulty_app
from tests.support.inprocess import TestClient

LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """The Powertools log records written during the test."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: log_records(buffer.getvalue())
    handler.setStream(previous)


def client(tmp_path: Path, **settings: Any) -> TestClient:
    """No lifespan (no `with`): nothing loads. Server exceptions are raised by the client, so a
    test passes only if no exception escaped the app."""
    store = LocalStore(tmp_path / "empty")
    return TestClient(faulty_app(Settings(model_dir=store.root, **settings), store))


def requests_logged(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["message"] == "request"]


def test_an_unexpected_exception_is_a_json_500_carrying_the_request_id(tmp_path: Path) -> None:
    # GIVEN a route with a bug WHEN it is called with a request id
    response = client(tmp_path).get("/boom", headers={"X-Request-Id": "bug-1"})
    # THEN the answer is JSON, with the id, and says nothing of the bug
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["x-request-id"] == "bug-1"
    assert BUG not in response.text


def test_an_unexpected_exception_is_one_error_line_with_the_traceback(
    tmp_path: Path, log_lines: LogLines
) -> None:
    # GIVEN a route with a bug WHEN it is called
    client(tmp_path).get("/boom", headers={"X-Request-Id": "bug-2"})
    # THEN one line says so: at ERROR, with the id, the route and the traceback as fields
    [line] = log_lines()
    assert line["level"] == "ERROR" and line["message"] == "request"
    assert line["correlation_id"] == "bug-2"
    assert (line["route"], line["status"]) == ("/boom", 500)
    assert line["exception_name"] == "RuntimeError"
    assert line["exception"].startswith("Traceback") and BUG in line["exception"]


def test_an_unexpected_exception_is_counted_as_a_request_and_an_error(tmp_path: Path) -> None:
    # GIVEN a route with a bug WHEN it is called twice
    api = client(tmp_path)
    api.get("/boom")
    api.get("/boom")
    # THEN the request and error metrics count both
    docs = metrics.drain()
    assert totals(docs, "RequestCount", "route") == {("/boom",): 2}
    assert totals(docs, "ErrorCount", "route", "status_class") == {("/boom", "5xx"): 2}


def test_a_shed_request_gets_503_with_retry_after(tmp_path: Path) -> None:
    # GIVEN a route that sheds load WHEN it is called
    response = client(tmp_path).get("/shed")
    # THEN the client is told when to retry
    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"
    assert response.json()["detail"] == "Too much work is queued; retry later"


def test_a_platform_error_is_one_line_that_names_it(tmp_path: Path, log_lines: LogLines) -> None:
    # GIVEN a shed request WHEN it is answered
    client(tmp_path).get("/shed")
    # THEN its access line carries the reason; there is no second line
    [line] = log_lines()
    assert line["status"] == 503
    assert line["error"] == "Overloaded: Too much work is queued; retry later"


def test_with_sampling_off_only_errors_shed_and_slow_requests_are_logged(
    tmp_path: Path, log_lines: LogLines
) -> None:
    # GIVEN a sample rate of 0 and a 20 ms slow threshold
    api = client(tmp_path, access_log_sample_rate=0.0, slow_request_ms=20.0)
    # WHEN fast successes, a 404, a shed request, a bug and a slow request are served
    for _ in range(5):
        assert api.get("/health").status_code == 200
    api.get("/nowhere")
    api.get("/shed")
    api.get("/boom")
    api.get("/slow")
    # THEN every one but the fast successes is logged
    logged = [(line["path"], line["status"]) for line in requests_logged(log_lines())]
    assert logged == [("/nowhere", 404), ("/shed", 503), ("/boom", 500), ("/slow", 200)]
    # AND the metrics still count every request
    assert sum(totals(metrics.drain(), "RequestCount", "service").values()) == 9


def test_with_the_default_rate_every_request_is_logged(tmp_path: Path, log_lines: LogLines) -> None:
    # GIVEN the default settings WHEN three fast requests succeed THEN three lines are written
    api = client(tmp_path)
    for _ in range(3):
        api.get("/health")
    assert len(requests_logged(log_lines())) == 3


def test_about_the_sampled_share_of_fast_successes_is_logged(
    tmp_path: Path, log_lines: LogLines
) -> None:
    # GIVEN a sample rate of 0.25 WHEN 400 fast requests succeed
    api = client(tmp_path, access_log_sample_rate=0.25, slow_request_ms=10_000.0)
    for _ in range(400):
        api.get("/health")
    # THEN about a quarter are logged (6 standard deviations either side: never flaky)
    assert 48 <= len(requests_logged(log_lines())) <= 152


def test_the_access_line_stays_small(tmp_path: Path) -> None:
    # GIVEN a successful request WHEN its access line is written
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        client(tmp_path).get("/health", headers={"X-Amzn-Trace-Id": "Root=1-67891233-" + "a" * 24})
    finally:
        handler.setStream(previous)
    # THEN it is one line of under 400 bytes (log volume is paid per byte)
    [line] = buffer.getvalue().splitlines()
    assert len(line.encode()) < 400, line
