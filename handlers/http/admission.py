"""Admission before the work: shed a large prediction body before reading it, when its lane has
no room for it; refuse a body of countless JSON values while it streams, and one of many unknown
fields before validation lists each one.

The batcher sheds at admission anyway, but only after the event loop has read and parsed the
body: a megabyte of JSON costs the loop milliseconds, and clients that retry at once would keep it
busy parsing work that is refused. The declared Content-Length bounds the characters a body can
hold, so it stands in for the request's cost here.
"""

import itertools

from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers.http.auth import CLIENT
from handlers.http.errors import inferno_error
from handlers.http.request_context import declared_length
from shared.errors import MAX_LISTED_PROBLEMS, InvalidInput
from shared.serving.batching import PredictionBatcher
from shared.serving.registry import ModelRegistry


class EarlyShed:
    def __init__(self, app: ASGIApp, batcher: PredictionBatcher, registry: ModelRegistry) -> None:
        self.app = app
        self.batcher = batcher
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            declared = declared_length(scope)
            client = scope.get("state", {}).get(CLIENT)  # set by ClientAuth, outside us
            owner = client.name if client is not None else None
            refused = declared and self.batcher.refusal(
                self._model_name(scope["path"]), declared, owner
            )
            if refused:
                await (await inferno_error(Request(scope), refused))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _model_name(self, path: str) -> str:
        """For the metric's dimension: a served model's name, never a client's arbitrary text."""
        parts = path.strip("/").split("/")
        if len(parts) >= 3 and parts[0] == "models" and parts[1] in self.registry.served_names():
            return parts[1]
        return self.registry.default_name if path == "/predict" else "unknown"


def too_many_values(limit: int) -> str:
    return (
        f"Request body holds more than {limit} JSON values (counted by ',' and ':'); "
        "send fewer items or fields in one request"
    )


class BodyValueLimit:
    """A 413 for a body holding more `,` and `:` than MAX_BODY_VALUES, counted as it streams.

    Parsing is the one part of a request the event loop cannot share: a 917 KiB object of 95,000
    fields holds it for 40-60 ms, whatever the route does next. Counting bytes costs ~0.1 ms a
    MiB and needs no parse (separators inside strings count too: the bound is generous).
    """

    def __init__(self, app: ASGIApp, max_values: int) -> None:
        self.app = app
        self.max_values = max_values

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += chunk.count(b",") + chunk.count(b":")
                if seen > self.max_values:  # raised in the route's body read: a JSON 413
                    raise HTTPException(413, detail=too_many_values(self.max_values))
            return message

        await self.app(scope, counted, send)


async def few_unknown_fields(request: Request) -> None:
    """A route dependency: a JSON object body with more unknown fields than a 422 lists is
    refused here, naming the first few, before the body model's validation builds (and FastAPI
    copies) one error per field: 95,000 of them take the event loop a quarter of a second."""
    body_model = _forbidding_body_model(request.scope.get("route"))
    if body_model is None or request.method != "POST":
        return
    try:
        body = await request.json()  # parsed already by FastAPI (Starlette keeps it)
    except ValueError:
        return  # FastAPI has answered a malformed body before any dependency runs
    known = body_model.model_fields  # a class property: read once, not per key
    if not isinstance(body, dict) or len(body) <= len(known) + MAX_LISTED_PROBLEMS:
        return
    unknown = (key for key in body if key not in known)
    listed = [
        {"loc": ["body", key], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
        for key in itertools.islice(unknown, MAX_LISTED_PROBLEMS)
    ]
    more = len(body) - sum(name in body for name in known) - len(listed)
    raise InvalidInput(listed, more=more)


def _forbidding_body_model(route: object) -> type[BaseModel] | None:
    """The route's body model when it refuses unknown fields (it would name each one)."""
    field = getattr(route, "body_field", None)
    model = getattr(getattr(field, "field_info", None), "annotation", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return model if model.model_config.get("extra") == "forbid" else None
