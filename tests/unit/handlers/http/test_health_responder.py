"""What the health responder answers from a worker's state, and the state file it reads."""

import time
from http import HTTPStatus
from pathlib import Path

import pytest

from handlers.http.health_responder import LOOP_STALL_SECONDS, answer
from handlers.http.health_state import HealthState, HealthStateFile


def beating(ready: bool, seconds_ago: float = 0.0) -> HealthState:
    return HealthState(time.monotonic() - seconds_ago, ready)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_a_beating_ready_worker_is_healthy_and_ready(path: str) -> None:
    status, body = answer(path, beating(ready=True))
    assert status == HTTPStatus.OK
    assert body == {"status": "ok" if path == "/health" else "ready"}


def test_a_loading_worker_is_alive_but_not_ready() -> None:
    assert answer("/health", beating(ready=False))[0] == HTTPStatus.OK
    status, body = answer("/ready", beating(ready=False))
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["status"] == "loading"


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_a_silent_event_loop_is_neither(path: str) -> None:
    status, body = answer(path, beating(ready=True, seconds_ago=LOOP_STALL_SECONDS + 0.5))
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["status"] == "stalled"
    assert "has not run for 3.5 s" in body["detail"]


def test_other_paths_are_not_found() -> None:
    assert answer("/predict", beating(ready=True))[0] == HTTPStatus.NOT_FOUND


def test_the_state_file_carries_what_the_worker_wrote(tmp_path: Path) -> None:
    # GIVEN a worker's state file and a second mapping of it, as the responder opens it
    writer = HealthStateFile(tmp_path / "state")
    reader = HealthStateFile(tmp_path / "state")
    try:
        # WHEN the worker writes twice
        writer.write(HealthState(12.5, False))
        first = reader.read()
        writer.write(HealthState(13.0, True))
        # THEN the reader sees each write, with no copy or reopen in between
        assert first == HealthState(12.5, False)
        assert reader.read() == HealthState(13.0, True)
    finally:
        writer.close()
        reader.close()
