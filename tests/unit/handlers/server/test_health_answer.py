"""What /health and /ready answer from the task's worker states."""

import time
from http import HTTPStatus

import pytest

from handlers.server.health_answer import LOOP_STALL_SECONDS, answer
from handlers.server.heartbeat import HealthState


def beating(ready: bool, seconds_ago: float = 0.0) -> HealthState:
    return HealthState(time.monotonic() - seconds_ago, ready)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_a_beating_ready_worker_is_healthy_and_ready(path: str) -> None:
    status, body = answer(path, {1: beating(ready=True)}, workers=1)
    assert status == HTTPStatus.OK
    assert body == {"status": "ok" if path == "/health" else "ready"}


def test_a_loading_worker_is_alive_but_not_ready() -> None:
    assert answer("/health", {1: beating(ready=False)}, workers=1)[0] == HTTPStatus.OK
    status, body = answer("/ready", {1: beating(ready=False)}, workers=1)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body == {"status": "loading", "detail": "the default model is not loaded yet"}


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_a_silent_event_loop_is_neither(path: str) -> None:
    states = {7: beating(ready=True, seconds_ago=LOOP_STALL_SECONDS + 0.5)}
    status, body = answer(path, states, workers=1)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["status"] == "stalled"
    assert body["detail"] == "the event loop of worker 7 has not run for 3.5 s"


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_one_wedged_worker_makes_the_task_unhealthy_whichever_responder_answers(path: str) -> None:
    # GIVEN two workers, one beating and one silent past the limit
    states = {1: beating(ready=True), 2: beating(ready=True, seconds_ago=LOOP_STALL_SECONDS + 1)}
    # THEN the answer names the wedged one, so the load balancer takes the task out
    status, body = answer(path, states, workers=2)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert "worker 2 " in body["detail"]


def test_the_task_is_ready_once_every_worker_has_the_model() -> None:
    one_loading = {1: beating(ready=True), 2: beating(ready=False)}
    status, body = answer("/ready", one_loading, workers=2)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["detail"] == "the default model is not loaded yet in every worker (1 of 2 ready)"
    both = {1: beating(ready=True), 2: beating(ready=True)}
    assert answer("/ready", both, workers=2)[0] == HTTPStatus.OK


def test_a_worker_not_started_yet_keeps_the_task_loading() -> None:
    # GIVEN two workers expected, and only one has written its state so far
    status, body = answer("/ready", {1: beating(ready=True)}, workers=2)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert "(1 of 2 ready)" in body["detail"]
    # AND the task is alive meanwhile
    assert answer("/health", {1: beating(ready=True)}, workers=2)[0] == HTTPStatus.OK


def test_other_paths_are_not_found() -> None:
    assert answer("/predict", {1: beating(ready=True)}, workers=1)[0] == HTTPStatus.NOT_FOUND
