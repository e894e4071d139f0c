"""Liveness and readiness: what the ALB and the container health check probe."""

import time
from collections.abc import Callable
from functools import partial

from fastapi import APIRouter, Request

from handlers.http.admission.declared import ANYONE
from handlers.http.caller import may_see
from handlers.http.deps import RegistryDep
from shared.errors import ModelNotLoaded
from shared.observability import tracer
from shared.schemas import ErrorResponse, HealthResponse, ReadyResponse
from shared.serving.registry import ModelRegistry

router = APIRouter(tags=["health"])
_STARTED = time.monotonic()


def health() -> HealthResponse:
    """Alive as long as the process answers; never depends on the model."""
    return HealthResponse(status="ok", uptime_seconds=round(time.monotonic() - _STARTED, 3))


@tracer.capture_method
def readiness(registry: ModelRegistry, visible: Callable[[str], bool]) -> ReadyResponse:
    """Ready once the default model is loaded; ModelNotLoaded (503) before. Names only the
    models `visible` says the caller may know of (under keys, an anonymous probe learns none)."""
    if not registry.is_ready():
        raise ModelNotLoaded(registry.default_name)
    model = registry.default()
    served = [name for name in registry.served_names() if visible(name)]
    if not visible(model.name):
        return ReadyResponse(served_models=served or None)
    return ReadyResponse(model_name=model.name, model_version=model.version, served_models=served)


@router.get("/health", dependencies=[ANYONE])
async def health_route() -> HealthResponse:
    return health()


@router.get(
    "/ready",
    dependencies=[ANYONE],
    responses={503: {"model": ErrorResponse, "description": "No model loaded yet"}},
    response_model_exclude_none=True,
)
async def ready_route(request: Request, registry: RegistryDep) -> ReadyResponse:
    return readiness(registry, partial(may_see, request))
