"""Liveness and readiness: what the ALB and the container health check probe."""

import time

from fastapi import APIRouter

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
def readiness(registry: ModelRegistry) -> ReadyResponse:
    """Ready once the default model is loaded; ModelNotLoaded (503) before."""
    if not registry.is_ready():
        raise ModelNotLoaded(registry.default_name)
    model = registry.default()
    return ReadyResponse(
        model_name=model.name, model_version=model.version, served_models=registry.served_names()
    )


@router.get("/health")
async def health_route() -> HealthResponse:
    return health()


@router.get(
    "/ready", responses={503: {"model": ErrorResponse, "description": "No model loaded yet"}}
)
async def ready_route(registry: RegistryDep) -> ReadyResponse:
    return readiness(registry)
