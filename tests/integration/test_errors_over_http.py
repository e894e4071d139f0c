"""An unexpected exception under a real uvicorn: one JSON answer, one log line, no plain text."""

import socket
import sys
import time
from pathlib import Path

import httpx
import pytest

from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.emf import emf_documents, log_records, totals
from tests.support.faulty_app import BUG
from tests.support.servers import uvicorn_server

pytestmark = pytest.mark.integration

FAULTY_APP = [
    sys.executable, "-m", "uvicorn", "--factory", "tests.support.faulty_app:faulty_app",
    "--host", "127.0.0.1", "--port", "{port}", "--no-access-log",
]  # fmt: skip


def test_a_bug_is_one_json_500_and_one_log_line(tmp_path: Path, sentiment_model_dir: Path) -> None:
    # GIVEN the real app, plus a route with a bug, under uvicorn
    publish(sentiment_model_dir, LocalStore(tmp_path / "store"))
    env = {"MODEL_DIR": str(tmp_path / "store")}
    with uvicorn_server(env, tmp_path / "server.log", command=FAULTY_APP) as server:
        # WHEN the route is called, and the server then asked whether it still serves
        response = httpx.get(f"{server.url}/boom", headers={"X-Request-Id": "bug-over-http"})
        assert httpx.get(f"{server.url}/health").status_code == 200
    output = server.log()  # the whole of stdout and stderr, metrics flushed at shutdown
    # THEN the client gets a JSON 500 carrying its request id
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["x-request-id"] == "bug-over-http"
    # AND the log holds exactly one ERROR line: the request's, with the traceback as a field
    [error] = [r for r in log_records(output) if r["level"] == "ERROR"]
    assert error["correlation_id"] == "bug-over-http" and error["status"] == 500
    assert error["exception"].startswith("Traceback") and BUG in error["exception"]
    # AND nothing else was printed about it: no plain-text traceback from uvicorn
    plain = [line for line in output.splitlines() if not line.lstrip().startswith("{")]
    assert not [line for line in plain if "Traceback" in line or "Exception in ASGI" in line]
    assert len([line for line in output.splitlines() if BUG in line]) == 1
    # AND the 500 is counted as a request and as an error
    docs = emf_documents(output)
    assert totals(docs, "RequestCount", "route")[("/boom",)] == 1
    assert totals(docs, "ErrorCount", "route", "status_class")[("/boom", "5xx")] == 1


def test_a_client_that_leaves_mid_body_is_logged_as_499(tmp_path: Path) -> None:
    # GIVEN the app under uvicorn (no model needed: the body is never complete)
    with uvicorn_server(
        {"MODEL_DIR": str(tmp_path / "empty")}, tmp_path / "log", "/health"
    ) as server:
        # WHEN a client sends part of the body it announced, then goes
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            head = "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            connection.sendall(
                f"{head}Content-Length: 1000\r\nX-Request-Id: gone-1\r\n\r\n".encode()
            )
            connection.sendall(b'{"text": "half')
        # THEN its request is logged as 499 (client closed), not as a 400 of its body
        deadline = time.monotonic() + 10
        while '"gone-1"' not in server.log():
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
    [line] = [r for r in log_records(server.log()) if r.get("correlation_id") == "gone-1"]
    assert line["status"] == 499
