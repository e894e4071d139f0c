"""Dependencies injected into routes, as named Annotated aliases.

They are `async def` because FastAPI runs plain `def` dependencies on its thread pool: two
thread hops per request for a dictionary lookup.
"""

from functools import partial
from typing import Annotated

from fastapi import Depends, Request

from shared.serving.batching import ClientGone, PredictionBatcher, wait_for_disconnect
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


async def _client_gone(request: Request) -> ClientGone:
    # Awaited only after the body is read: then the next ASGI message is the disconnect.
    return partial(wait_for_disconnect, request.receive)


RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
BatcherDep = Annotated[PredictionBatcher, Depends(_batcher)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ClientGoneDep = Annotated[ClientGone, Depends(_client_gone)]
