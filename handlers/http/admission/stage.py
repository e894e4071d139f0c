"""The admission stage: every refusal that needs no body, decided before the body is read, and
the body's own bounds while it streams.

In order: the client's key (401), a key over its request rate (429), a declared body over
MAX_BODY_BYTES (413), work its lane has no room for (503, or 429 past the client's share); then,
as the body arrives, one over MAX_BODY_BYTES or MAX_BODY_VALUES (413). The route the router will
pick says what it admits (declared.py): no path is named here.

Why before the body: a megabyte of JSON costs the event loop milliseconds to read and parse, and
clients that retry at once would keep it busy with work that is refused. The declared
Content-Length bounds the characters a body can hold, so it stands in for the request's cost.
"""

from collections.abc import Mapping
from typing import Any

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers.http import fast_lane
from handlers.http.admission.declared import CHARGE, CLOSED, Admits, declared
from handlers.http.admission.keys import caller_of, record
from handlers.http.auth.service import AuthService
from handlers.http.errors import http_error, inferno_error
from handlers.http.fast_lane import Lane
from shared.auth.keys import ClientRecord
from shared.errors import InfernoError
from shared.serving.batching import PredictionBatcher
from shared.serving.registry import ModelRegistry


def declared_length(scope: Scope) -> int:
    """The request's Content-Length; 0 when it has none (a streamed body) or is not a number."""
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def too_large(detail: str) -> HTTPException:
    """The one 413, before the body is read or while it streams. An HTTPException, because
    FastAPI passes those on from its body read (any other error there becomes its 400)."""
    return HTTPException(413, detail=detail)


def over_bytes(limit: int) -> str:
    return f"Request body is larger than the {limit}-byte limit"


def too_many_values(limit: int) -> str:
    return (
        f"Request body holds more than {limit} JSON values (counted by ',' and ':'); "
        "send fewer items or fields in one request"
    )


# A route's admission, what matching it sets in the scope, and its fast lane.
Matched = tuple[Admits, Mapping[str, Any], Lane | None]
MATCHES_KEPT = 1024


class AdmissionStage:
    def __init__(
        self,
        app: ASGIApp,
        router: Router,
        auth: AuthService | None,
        batcher: PredictionBatcher,
        registry: ModelRegistry,
        max_body_bytes: int,
        max_body_values: int,
    ) -> None:
        self.app = app
        self.router = router
        self.auth = auth
        self.batcher = batcher
        self.registry = registry
        self.max_body_bytes = max_body_bytes
        self.max_body_values = max_body_values
        self._routes: list[tuple[RouteContext, Admits, Lane | None]] | None = None
        # What a method and path matched: the routes are tried once per path, not per request.
        self._matched: dict[tuple[str, str, str], Matched] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admits, matched, lane = self._route(scope)
        client = None
        if self.auth is not None:
            try:
                client = caller_of(self.auth, scope, admits.open)
            except InfernoError as exc:
                await _answer(scope, receive, send, exc)
                return
        if client is None or admits.open:  # probes of open routes are not counted
            await self._admitted(scope, receive, send, admits, matched, lane, client)
            return
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._admitted(scope, receive, send_status, admits, matched, lane, client)
        finally:
            record(client, status, scope["state"].get(CHARGE))

    async def _admitted(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        admits: Admits,
        matched: Mapping[str, Any],
        lane: Lane | None,
        client: ClientRecord | None,
    ) -> None:
        """The refusals that need no body, else the request, through its lane if it has one."""
        refused = self._refusal(scope, admits, matched.get("path_params", {}), client)
        if refused is not None:
            await _answer(scope, receive, send, refused)
        elif lane is not None:
            bounded = self._bounded(receive)
            await fast_lane.serve(lane, admits, matched, scope, bounded, send, self.app)
        else:
            await self.app(scope, self._bounded(receive), send)

    def _route(self, scope: Scope) -> Matched:
        key = (scope["method"], scope["path"], scope.get("root_path", ""))
        matched = self._matched.get(key)
        if matched is None:
            if len(self._matched) >= MATCHES_KEPT:  # a client sending endless paths
                self._matched.clear()
            matched = self._matched[key] = self._match(scope)
        return matched

    def _match(self, scope: Scope) -> Matched:
        """What the route the router will pick admits, what matching it sets in the scope (its
        path parameters and the route) and its fast lane, by the routes' own matching. One that
        matches the path but not the method (its 405) is admitted as that route is, with no
        lane; no route at all (a 404) as a closed one."""
        if self._routes is None:  # the routes are complete once the app serves
            contexts = iter_route_contexts(self.router.routes)
            self._routes = [
                (
                    context,
                    declared(context.original_route),
                    fast_lane.lane_of(context.original_route),
                )
                for context in contexts
            ]
        partial: Matched | None = None
        for context, admits, lane in self._routes:
            match, child = context.matches(scope)
            if match is Match.FULL:
                return admits, {**child, "route": context.original_route}, lane
            if match is Match.PARTIAL and partial is None:
                partial = (admits, child, None)
        return partial or (CLOSED, {}, None)

    def _refusal(
        self,
        scope: Scope,
        admits: Admits,
        path_params: Mapping[str, Any],
        client: ClientRecord | None,
    ) -> Exception | None:
        post = scope["method"] == "POST"
        if post and client is not None and not admits.open and self.auth is not None:
            try:  # a key over its rate is refused before its body is read, let alone parsed
                self.auth.limiter.refuse_early(client)
            except InfernoError as exc:
                return exc
        length = declared_length(scope)
        if length > self.max_body_bytes:
            return too_large(over_bytes(self.max_body_bytes))
        if post and length:
            owner = client.name if client is not None else None
            return self.batcher.refusal(self._model_name(admits, path_params), length, owner)
        return None

    def _model_name(self, admits: Admits, path_params: Mapping[str, Any]) -> str:
        """For the metric's dimension: a served model's name, never a client's arbitrary text."""
        name = admits.model(path_params, self.registry) if admits.model else None
        if name is not None and (
            name == self.registry.default_name or name in self.registry.served_names()
        ):
            return name
        return "unknown"

    def _bounded(self, receive: Receive) -> Receive:
        """`receive`, refusing (413) a body past MAX_BODY_VALUES or MAX_BODY_BYTES as it streams.

        Parsing is the one part of a request the event loop cannot share: a 917 KiB object of
        95,000 fields holds it for 40-60 ms, whatever the route does next. Counting `,` and `:`
        costs ~0.1 ms a MiB and needs no parse (separators inside strings count too: the bound
        is generous). The 413 is raised in the route's body read, and answered as JSON there.
        """
        values = size = 0

        async def bounded() -> Message:
            nonlocal values, size
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                values += chunk.count(b",") + chunk.count(b":")
                if values > self.max_body_values:
                    raise too_large(too_many_values(self.max_body_values))
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise too_large(over_bytes(self.max_body_bytes))
            return message

        return bounded


async def _answer(scope: Scope, receive: Receive, send: Send, refused: Exception) -> None:
    """A refusal answered as the app's error handlers answer it (handlers/http/errors.py)."""
    request = Request(scope)
    handler = http_error if isinstance(refused, HTTPException) else inferno_error
    await (await handler(request, refused))(scope, receive, send)
