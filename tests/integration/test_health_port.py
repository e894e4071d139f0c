"""The health port against the real app under uvicorn: what the ALB sees when a worker loads,
wedges or dies."""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from handlers.server.health_answer import LOOP_STALL_SECONDS
from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.servers import ROOT, free_port, stop_process, uvicorn_server, wait_for


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=2)


def test_ready_on_the_health_port_waits_for_the_model(tmp_path: Path) -> None:
    # GIVEN a worker serving an empty store: alive, but no model to load
    health = f"http://127.0.0.1:{free_port()}"
    env = {"MODEL_DIR": str(tmp_path / "empty"), "HEALTH_PORT": health.rsplit(":", 1)[1]}
    with uvicorn_server(env, tmp_path / "server.log", wait_path="/health"):
        wait_for(health + "/health", timeout=10)
        # WHEN the load balancer probes readiness there
        ready = get(health + "/ready")
        # THEN it is alive but not ready, saying why, as the traffic port does
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "loading",
            "detail": "the default model is not loaded yet",
        }
        assert get(health + "/health").json() == {"status": "ok"}
        assert get(health + "/metrics").status_code == 404


def test_a_wedged_worker_is_unhealthy_and_a_dead_one_takes_its_responder(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN a worker serving a model, ready on the health port
    publish(sentiment_model_dir, LocalStore(tmp_path / "store"))
    health = f"http://127.0.0.1:{free_port()}"
    state_dir = tmp_path / "tmp"
    state_dir.mkdir()
    env = {
        "MODEL_DIR": str(tmp_path / "store"),
        "HEALTH_PORT": health.rsplit(":", 1)[1],
        "TMPDIR": str(state_dir),
    }
    with uvicorn_server(env, tmp_path / "server.log") as server:
        assert wait_for(health + "/ready", timeout=10).json() == {"status": "ready"}
        assert list(state_dir.glob("inferno-health-*")), "the worker's state file, in TMPDIR"
        # WHEN its event loop stops running (the whole process frozen)
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            time.sleep(LOOP_STALL_SECONDS + 1)
            stalled = get(health + "/health")
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        # THEN the health port reports it, so the load balancer replaces the task
        assert stalled.status_code == 503
        assert stalled.json()["status"] == "stalled"
        # AND once the loop runs again, it is healthy again
        assert wait_for(health + "/health", timeout=5).json() == {"status": "ok"}
        # AND the log says when the stall began and ended, one line each, naming the worker
        changes = [
            json.loads(line)
            for line in server.log().splitlines()
            if '"Health port answer changed"' in line and '"/health"' in line
        ]
        assert [(c["level"], c["http_status"], c["status"]) for c in changes] == [
            ("WARNING", 503, "stalled"),
            ("INFO", 200, "ok"),
        ]
        assert changes[0]["worker_pid"] == server.process.pid
        # WHEN the worker dies without a chance to clean up
        server.process.kill()
        server.process.wait()
        # THEN its responder exits too: the port refuses, as for a dead task
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                get(health + "/health")
            except httpx.ConnectError:
                assert not list(state_dir.glob("inferno-health-*")), "its state file is left"
                return
            except httpx.TransportError:
                pass  # reset while the responder was shutting down: look again
            time.sleep(0.2)
        pytest.fail("the health responder outlived its worker")


def trickle(address: tuple[str, int], stop: threading.Event) -> None:
    """A client that never finishes its request: a byte every 0.2 s keeps each read alive."""
    with socket.create_connection(address) as connection:
        for byte in b"GET /ready HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 1000:
            if stop.wait(0.2):
                return
            try:
                connection.send(bytes([byte]))
            except OSError:
                return  # cut off by the responder's deadline


def hang_up_at_once(address: tuple[str, int]) -> None:
    """A probe that leaves before its answer, with a reset (SO_LINGER 0), not a polite close."""
    with socket.create_connection(address) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")


def test_slow_clients_delay_no_probe_and_the_port_binds_uvicorns_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the image's launcher told `--host 127.0.0.2` (HOST unset: 127.0.0.1 by default)
    monkeypatch.delenv("HOST", raising=False)
    host, port = "127.0.0.2", free_port()
    launcher = [sys.executable, "-m", "handlers.server", "handlers.http.app:app"]
    launcher += ["--host", host, "--port", str(free_port()), "--workers", "1", "--no-access-log"]
    env = {**os.environ, "MODEL_DIR": str(tmp_path / "empty"), "HEALTH_PORT": str(port)}
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            launcher, cwd=ROOT, env=env, stdout=output, stderr=output, text=True
        )
    try:
        health = f"http://{host}:{port}"
        # THEN the health port listens where uvicorn does
        wait_for(health + "/health", timeout=20)
        # WHEN clients hold connections open, trickling their requests, and others hang up
        stop = threading.Event()
        slow = [threading.Thread(target=trickle, args=((host, port), stop)) for _ in range(8)]
        for client in slow:
            client.start()
        try:
            time.sleep(0.5)
            for _ in range(5):
                hang_up_at_once((host, port))
            # THEN every probe is still answered
            for _ in range(5):
                assert httpx.get(health + "/health", timeout=5).json() == {"status": "ok"}
        finally:
            stop.set()
            for client in slow:
                client.join()
    finally:
        stop_process(server)
    # AND nothing printed a traceback
    assert "Traceback" not in log.read_text()
