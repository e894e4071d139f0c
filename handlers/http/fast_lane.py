"""The prediction routes' common case, answered without FastAPI's per-request plumbing.

A single prediction is what a busy service answers thousands of times a second, and FastAPI's
part of it (dependency solving, the body model's validation, the response's validation and
encoding, its routing and exception layers) was the largest share of the time outside the model
(tests/performance/PROFILE.md). A route marks the function it delegates to with
`@lane(route, extract)`; the admission stage, which has found the route already, hands its
requests here.

The body is read and parsed once, and `extract` says whether the route would take it as it is.
If so, the route's declared admission runs (415, 403, 429, 422, as its dependency raises them)
and the function the route itself calls answers. Anything else (a body that does not parse, one
the route's body model would refuse, a reference header it would refuse) goes to the route
unchanged, its body replayed, so every refusal is the route's own answer.
"""

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers.http.deps import caller_of
from handlers.http.errors import http_error, inferno_error
from shared.errors import ClientDisconnected, InfernoError
from shared.events.reference import HEADER_PATTERN, MAX_HEADER_CHARS, REFERENCE_HEADER
from shared.serving.batching import Caller

# What the route's body would be, from the parsed JSON; None: the route must see it.
Extract = Callable[[Any], Any]
Answer = Callable[[Request, Any, Caller], Awaitable[BaseModel]]
AnswerT = TypeVar("AnswerT", bound=Answer)
_REFERENCE = re.compile(HEADER_PATTERN)
_JSON = b"application/json"


@dataclass(frozen=True)
class Lane:
    extract: Extract
    answer: Answer


_LANES: dict[Callable[..., Any], Lane] = {}


def lane(route: Callable[..., Any], extract: Extract) -> Callable[[AnswerT], AnswerT]:
    """Register `answer`, the function `route` delegates to, as the route's fast lane."""

    def register(answer: AnswerT) -> AnswerT:
        _LANES[route] = Lane(extract, answer)
        return answer

    return register


def lane_of(route: object) -> Lane | None:
    """The lane of a matched route (its endpoint registered one), if any."""
    return _LANES.get(getattr(route, "endpoint", None))  # type: ignore[arg-type]


async def serve(
    lane: Lane,
    admits: Callable[[Request], Awaitable[None]],  # the route's declaration (admission/)
    matched: Mapping[str, Any],
    scope: Scope,
    receive: Receive,
    send: Send,
    route_app: ASGIApp,
) -> None:
    """Answer through the lane, or hand the request to the route (`route_app`) unchanged."""
    scope.update(matched)  # the route and its path parameters, as the router would set them
    scope["path_params"] = dict(matched.get("path_params", {}))  # this request's own copy
    request = Request(scope, receive)
    try:
        body = await request.body()
    except ClientDisconnect:
        await _respond(request, send, ClientDisconnected("The client left mid-body"))
        return
    except HTTPException as exc:  # the admission stage's 413 while the body streams
        await _respond(request, send, exc)
        return
    extracted = await _extracted(lane, request, body)
    reference = request.headers.get(REFERENCE_HEADER)
    if extracted is None or not (reference is None or _fine_reference(reference)):
        await route_app(scope, _replayed(body, receive), send)
        return
    try:
        await admits(request)
        answer = await lane.answer(request, extracted, caller_of(request, reference))
    except (InfernoError, HTTPException) as exc:
        await _respond(request, send, exc)
        return
    content = answer.model_dump_json().encode()
    headers = [(b"content-type", _JSON), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def _extracted(lane: Lane, request: Request, body: bytes) -> Any:
    if not body:
        return None  # the route's 422: the body is required
    try:
        parsed = await request.json()  # kept on the request: the admission reads it too
    except (ValueError, RecursionError):
        return None  # the route's 400, naming what is malformed
    return lane.extract(parsed)


def _fine_reference(value: str) -> bool:
    """Whether the route's X-Reference header parameter takes the value as it is."""
    return len(value) <= MAX_HEADER_CHARS and _REFERENCE.match(value) is not None


async def _respond(request: Request, send: Send, refused: Exception) -> None:
    """A refusal answered as the app's error handlers answer it (handlers/http/errors.py)."""
    if isinstance(refused, HTTPException):
        response = await http_error(request, refused)
    else:
        response = await inferno_error(request, refused)
    await response(request.scope, request.receive, send)


def _replayed(body: bytes, receive: Receive) -> Receive:
    """`receive` for the route: the body already read, then whatever the client sends next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
