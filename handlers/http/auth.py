"""Client keys over HTTP (AUTH_MODE=keys): who is calling, and may they, now?

`ClientAuth` (middleware) authenticates every request but /health and /ready, so a new route is
closed unless it is named here; it puts the client's name on the access log line and on the
per-client request count. `admit_client` (a dependency of the prediction and model routes)
checks the model, the client's rate and its daily quota, once the path and body are known;
`admit_request` only the rate (POST /feedback).
A key is read from `Authorization: Bearer <key>` or `X-Api-Key` and never written anywhere.
"""

from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers.http.caller import CLIENT as CLIENT
from handlers.http.caller import client_of as client_of
from handlers.http.caller import may_see as may_see
from handlers.http.errors import inferno_error
from shared.auth.keys import ClientRecord
from shared.auth.service import AuthService
from shared.errors import InfernoError
from shared.observability import logger, metric_names, metrics
from shared.serving.prediction import instances_of

# The load balancer's probes, and the docs page with the document it reads (which names only
# what a presented key may use: nothing, without one).
OPEN_PATHS = frozenset({"/health", "/ready", "/docs", "/openapi.json"})
OPEN_PREFIX = "/docs/"  # the docs page's assets
CHARGE = "charged"  # request.state key


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key from `Authorization: Bearer <key>`, else from `X-Api-Key`."""
    api_key = None
    for name, value in headers:
        name = name.lower()
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
        elif name == b"x-api-key" and value.strip():
            api_key = value.decode("latin-1").strip()
    return api_key


class ClientAuth:
    def __init__(self, app: ASGIApp, service: AuthService | None) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.service is None:
            await self.app(scope, receive, send)
            return
        if scope["path"] in OPEN_PATHS or scope["path"].startswith(OPEN_PREFIX):
            # Open to the load balancer; a valid key presented there is read only to say what
            # that client may use (/ready), anything else is an anonymous probe.
            presented = presented_key(scope["headers"])
            client = self.service.identify(presented) if presented else None
            scope.setdefault("state", {})[CLIENT] = client
            await self.app(scope, receive, send)
            return
        try:
            client = self.service.authenticate(presented_key(scope["headers"]))
        except InfernoError as exc:
            await (await inferno_error(Request(scope), exc))(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state[CLIENT] = client
        logger.thread_safe_append_keys(client=client.name)
        status = 500
        if scope["method"] == "POST":
            try:  # a key over its rate is refused before its body is read, let alone parsed
                self.service.limiter.refuse_early(client)
            except InfernoError as exc:
                await (await inferno_error(Request(scope), exc))(scope, receive, send)
                _record(client, exc.status_code, None)
                return

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            _record(client, status, state.get(CHARGE))


def _record(client: ClientRecord, status: int, charged: tuple[str, int] | None) -> None:
    status_class = f"{status // 100}xx"
    metrics.add(
        metric_names.REQUEST_COUNT_BY_CLIENT, 1, client=client.name, status_class=status_class
    )
    if charged is not None and status < 400:
        model, items = charged
        metrics.add(metric_names.PREDICTION_COUNT_BY_CLIENT, items, client=client.name, model=model)


async def admit_client(request: Request) -> None:
    """The model, rate and quota checks of an authenticated client (none under AUTH_MODE=none)."""
    service: AuthService | None = request.app.state.auth
    if service is None:
        return
    client: ClientRecord = getattr(request.state, CLIENT)
    model = request.path_params.get("name")
    if request.url.path == "/predict":
        model = request.app.state.registry.default_name
    service.authorize(client, model)
    items = await _items(request) if request.method == "POST" else 0
    await service.admit(client, items)
    if items and model is not None:
        setattr(request.state, CHARGE, (model, items))


async def admit_request(request: Request) -> None:
    """The rate check alone, for a route that predicts nothing (POST /feedback): one request,
    no items, so it is not charged to the daily quota of predictions."""
    service: AuthService | None = request.app.state.auth
    if service is not None:
        await service.admit(getattr(request.state, CLIENT), 0)


async def _items(request: Request) -> int:
    """Items a prediction asks for: a batch's or an `instances` body's length, else one. The
    body is already read (Starlette caches it); a single item is told from its bytes, so only
    batches and `instances` bodies are parsed here."""
    batch = request.url.path.endswith("/predict/batch")
    if not batch and b'"instances"' not in await request.body():
        return 1
    try:
        body = await request.json()
    except ValueError:
        return 1
    if not isinstance(body, dict):
        return 1
    items = body.get("items", body.get("instances")) if batch else instances_of(body)
    return max(1, len(items)) if isinstance(items, list) else 1
