"""Dependencies injected into routes, as named Annotated aliases.

They are `async def` because FastAPI runs plain `def` dependencies on its thread pool: two
thread hops per request for a dictionary lookup.
"""

from functools import partial
from typing import Annotated

from fastapi import Depends, Request

from handlers.http.auth import client_of
from shared.capture import Capture
from shared.serving.answers import AnswerListeners
from shared.serving.batching import Caller, PredictionBatcher, wait_for_disconnect
from shared.serving.registry import ModelRegistry
from shared.settings import Settings


async def _registry(request: Request) -> ModelRegistry:
    registry: ModelRegistry = request.app.state.registry
    return registry


async def _batcher(request: Request) -> PredictionBatcher:
    batcher: PredictionBatcher = request.app.state.batcher
    return batcher


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _answers(request: Request) -> AnswerListeners:
    answers: AnswerListeners = request.app.state.answers
    return answers


async def _capture(request: Request) -> Capture:
    capture: Capture = request.app.state.capture
    return capture


async def _caller(request: Request) -> Caller:
    """The client key's name (its share of the queue is bounded; none under AUTH_MODE=none),
    and its disconnect: awaited only after the body is read, when the next ASGI message is it."""
    client = client_of(request)
    name = client.name if client is not None else None
    return Caller(name, partial(wait_for_disconnect, request.receive))


RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
BatcherDep = Annotated[PredictionBatcher, Depends(_batcher)]
SettingsDep = Annotated[Settings, Depends(_settings)]
CallerDep = Annotated[Caller, Depends(_caller)]
AnswersDep = Annotated[AnswerListeners, Depends(_answers)]
CaptureDep = Annotated[Capture, Depends(_capture)]
