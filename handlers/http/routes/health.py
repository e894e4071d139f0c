"""Liveness and readiness on the traffic port: one worker's view, by the health port's rule."""

import os
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus

from fastapi import APIRouter, Request

from handlers.http.admission.declared import ANYONE
from handlers.http.caller import may_see
from handlers.http.deps import RegistryDep
from handlers.http.schemas import ErrorResponse, HealthResponse, ReadyResponse
from handlers.server.health_answer import HEALTH, READY, answer
from handlers.server.heartbeat import HealthState
from shared.errors import ModelNotLoaded
from shared.observability import tracer
from shared.serving.registry import ModelRegistry

router = APIRouter(tags=["health"])
_STARTED = time.monotonic()


def this_worker(registry: ModelRegistry) -> dict[int, HealthState]:
    """This worker's reading, as its heartbeat would give it: its loop runs, as it answers."""
    return {os.getpid(): HealthState.now(registry.is_ready())}


def health(registry: ModelRegistry) -> HealthResponse:
    """Alive as long as the process answers; never depends on the model."""
    _, body = answer(HEALTH, this_worker(registry), workers=1)
    return HealthResponse(**body, uptime_seconds=round(time.monotonic() - _STARTED, 3))


@tracer.capture_method
def readiness(registry: ModelRegistry, visible: Callable[[str], bool]) -> ReadyResponse:
    """Ready once the default model is loaded; ModelNotLoaded (503) before. Names only the
    models `visible` says the caller may know of (under keys, an anonymous probe learns none)."""
    status, body = answer(READY, this_worker(registry), workers=1)
    if status != HTTPStatus.OK:
        raise ModelNotLoaded(registry.default_name)  # the original API's words, kept here
    model = registry.default()
    served = [name for name in registry.served_names() if visible(name)]
    if not visible(model.name):
        return ReadyResponse(**body, served_models=served or None)
    return ReadyResponse(
        **body, model_name=model.name, model_version=model.version, served_models=served
    )


@router.get("/health", dependencies=[ANYONE])
async def health_route(registry: RegistryDep) -> HealthResponse:
    return health(registry)


@router.get(
    "/ready",
    dependencies=[ANYONE],
    responses={503: {"model": ErrorResponse, "description": "No model loaded yet"}},
    response_model_exclude_none=True,
)
async def ready_route(request: Request, registry: RegistryDep) -> ReadyResponse:
    return readiness(registry, partial(may_see, request))
