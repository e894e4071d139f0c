"""Dependencies injected into routes, as named Annotated aliases.

They are `async def` because FastAPI runs plain `def` dependencies on its thread pool: two
thread hops per request for a dictionary lookup.
"""

from dataclasses import replace
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from handlers.http.caller import client_of
from shared.capture import Capture
from shared.events.reference import (
    HEADER_PATTERN,
    MAX_HEADER_CHARS,
    REFERENCE_HEADER,
    REFERENCE_KEY,
    caller_metadata,
)
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


ReferenceHeader = Annotated[
    str | None,
    Header(
        alias=REFERENCE_HEADER,
        max_length=MAX_HEADER_CHARS,
        pattern=HEADER_PATTERN,
        description="Your own reference (a ticket id), carried by the escalation events this "
        "request raises as `metadata.reference`.",
    ),
]


async def _caller(request: Request, reference: ReferenceHeader = None) -> Caller:
    return caller_of(request, reference)


def caller_of(request: Request, reference: str | None) -> Caller:
    """The client key's name (its share of the queue is bounded; none under AUTH_MODE=none), its
    disconnect (awaited only after the body is read, when the next ASGI message is it), and
    its reference header (validated already); a route adds the body's `metadata`
    (`with_metadata`)."""
    client = client_of(request)
    name = client.name if client is not None else None
    metadata = caller_metadata(None, reference)
    settings: Settings = request.app.state.settings
    # A keyed client sticks to one canary version by its key; an anonymous one by a header.
    sticky = name or request.headers.get(settings.rollout_sticky_header)
    return Caller(name, partial(wait_for_disconnect, request.receive), metadata, sticky)


def with_metadata(caller: Caller, metadata: dict[str, Any] | None) -> Caller:
    """The caller with the body's `metadata` beside its reference header."""
    if not metadata:
        return caller
    header = (caller.metadata or {}).get(REFERENCE_KEY)
    return replace(caller, metadata=caller_metadata(metadata, header))


RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
BatcherDep = Annotated[PredictionBatcher, Depends(_batcher)]
SettingsDep = Annotated[Settings, Depends(_settings)]
CallerDep = Annotated[Caller, Depends(_caller)]
AnswersDep = Annotated[AnswerListeners, Depends(_answers)]
CaptureDep = Annotated[Capture, Depends(_capture)]
