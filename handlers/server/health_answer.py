"""What /health and /ready answer: the one rule the app's routes and the health port share.

A task is healthy while every worker's event loop keeps running, and ready once every worker has
also loaded the default model. The health port asks about every worker of the task from their
heartbeats; a worker's own routes ask about itself (its loop runs: it is answering). Stdlib only,
so the health responder imports it and nothing of the app.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from handlers.server.heartbeat import HealthState

HEALTH, READY = "/health", "/ready"
# Longer than any stall a flood causes here (the loop's lag stays well under a second), shorter
# than the container check's 4 s timeout: a loop this late serves nobody.
LOOP_STALL_SECONDS = 3.0


def answer(
    path: str, states: Mapping[int, HealthState], workers: int
) -> tuple[HTTPStatus, dict[str, Any]]:
    """The status and JSON body for a probe of `path`, given each live worker's state (by pid)
    and how many workers the task runs."""
    if path not in (HEALTH, READY):
        return HTTPStatus.NOT_FOUND, {"detail": "only /health and /ready are served here"}
    # A wedged worker still holds the connections it accepted: the task is unhealthy, whichever
    # responder is asked (answering for one's own worker only, a wedged one of N would fail
    # 1/N of the probes, and the load balancer's consecutive count would rarely see it).
    silent, pid = max(((state.silent_for(), pid) for pid, state in states.items()), default=(0, 0))
    if silent > LOOP_STALL_SECONDS:
        return HTTPStatus.SERVICE_UNAVAILABLE, {
            "status": "stalled",
            "detail": f"the event loop of worker {pid} has not run for {silent:.1f} s",
        }
    loaded = sum(state.ready for state in states.values())
    if path == READY and (loaded < workers or loaded < len(states)):
        detail = "the default model is not loaded yet"
        if workers > 1:
            detail += f" in every worker ({loaded} of {max(workers, len(states))} ready)"
        return HTTPStatus.SERVICE_UNAVAILABLE, {"status": "loading", "detail": detail}
    return HTTPStatus.OK, {"status": "ready" if path == READY else "ok"}
