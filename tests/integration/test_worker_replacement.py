"""A worker that dies under traffic is replaced without a single failed answer: the image's
launcher (handlers.server) with two workers on one socket, real HTTP on loopback."""

import os
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.servers import uvicorn_server

pytestmark = pytest.mark.integration
CLIENTS = 4
# Bounds on waiting for workers to start and load, not measurements: a busy machine is slow.
START_SECONDS = 180


def workers_of(supervisor: int) -> set[int]:
    """The supervisor's worker processes: forked from it (its own command line), or spawned
    where the platform cannot fork (multiprocessing's spawn_main)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    own = Path(f"/proc/{supervisor}/cmdline").read_bytes()
    found = set()
    for pid in map(int, children):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if command == own or b"spawn_main" in command:
            found.add(pid)
    return found


def steady_traffic(url: str, stop: threading.Event, statuses: Counter[int | str]) -> None:
    """One request after another, each on a new connection, so every worker gets its share."""
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while not stop.is_set():
            try:
                response = client.post(url + "/predict", json={"text": "a fine day"})
                statuses[response.status_code] += 1
            except httpx.TransportError:
                # Only a request the killed worker held when it died: no answer at all.
                statuses["no answer"] += 1


def test_a_replacement_worker_takes_no_traffic_before_its_model_is_loaded(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN the image's launcher serving a model with two workers, under steady traffic
    publish(sentiment_model_dir, LocalStore(tmp_path / "store"))
    launcher = [sys.executable, "-m", "handlers.server", "handlers.http.app:app"]
    launcher += ["--host", "127.0.0.1", "--port", "{port}", "--workers", "2", "--no-access-log"]
    env = {"MODEL_DIR": str(tmp_path / "store")}
    with uvicorn_server(env, tmp_path / "server.log", command=launcher) as server:
        deadline = time.monotonic() + START_SECONDS
        while len(workers_of(server.process.pid)) < 2 or server.log().count("Model loaded") < 2:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.2)
        statuses: Counter[int | str] = Counter()
        stop = threading.Event()
        clients = [
            threading.Thread(target=steady_traffic, args=(server.url, stop, statuses))
            for _ in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        try:
            # WHEN one worker is killed outright and the supervisor starts another
            time.sleep(1)
            before = workers_of(server.process.pid)
            os.kill(min(before), signal.SIGKILL)
            deadline = time.monotonic() + START_SECONDS  # for the replacement
            while not (workers_of(server.process.pid) - before):
                assert time.monotonic() < deadline, server.log()
                time.sleep(0.1)
            while server.log().count("Model loaded") < 3:  # the replacement's load
                assert time.monotonic() < deadline, server.log()
                time.sleep(0.1)
            time.sleep(2)  # and traffic reaches it
        finally:
            stop.set()
            for client in clients:
                client.join()
    print("answers across the kill:", dict(statuses))  # shown by `pytest -rP`
    # THEN every answer given was a 200: none came from a worker still loading its model
    answered = {status: count for status, count in statuses.items() if status != "no answer"}
    assert set(answered) == {200}, statuses
    # AND at most the requests the dead worker held went unanswered
    assert statuses["no answer"] <= CLIENTS, statuses


def test_workers_slower_to_import_than_uvicorns_ping_are_not_killed(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN the launcher with two workers whose app takes 8 s to import (uvicorn pings at 5 s)
    publish(sentiment_model_dir, LocalStore(tmp_path / "store"))
    launcher = [sys.executable, "-m", "handlers.server", "tests.support.slow_import_app:app"]
    launcher += ["--host", "127.0.0.1", "--port", "{port}", "--workers", "2", "--no-access-log"]
    env = {"MODEL_DIR": str(tmp_path / "store"), "SLOW_IMPORT_SECONDS": "8"}
    # WHEN it starts THEN both workers come up and load, and none was killed on the way
    with uvicorn_server(env, tmp_path / "server.log", command=launcher) as server:
        deadline = time.monotonic() + START_SECONDS
        while server.log().count("Model loaded") < 2:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.2)
        assert httpx.post(server.url + "/predict", json={"text": "fine"}).status_code == 200
        log = server.log()
    assert "died" not in log, log
