"""Client keys over HTTP (AUTH_MODE=keys): who is calling, and what each client was answered.

A key is read from `Authorization: Bearer <key>` or `X-Api-Key` and never written anywhere.
The client's name goes on the access log line and on the per-client request count.
"""

from typing import Any

from starlette.types import Scope

from handlers.http.auth.service import AuthService
from handlers.http.caller import CLIENT
from shared.auth.keys import ClientRecord
from shared.observability import logger, metric_names, metrics


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


def caller_of(service: AuthService, scope: Scope, open_route: bool) -> ClientRecord | None:
    """The client whose key the request presents, left on the request (handlers/http/caller.py).
    An open route admits anyone: a valid key there only says what that client may see (/ready);
    anything else is an anonymous probe. A closed one raises 401 without a valid key."""
    presented = presented_key(scope["headers"])
    client: ClientRecord | None
    if open_route:
        client = service.identify(presented) if presented else None
    else:
        client = service.authenticate(presented)
        logger.thread_safe_append_keys(client=client.name)
    state: dict[str, Any] = scope.setdefault("state", {})
    state[CLIENT] = client
    return client


def record(client: ClientRecord, status: int, charged: tuple[str, int] | None) -> None:
    """The client's request by status class, and the items it was served."""
    status_class = f"{status // 100}xx"
    metrics.add(
        metric_names.REQUEST_COUNT_BY_CLIENT, 1, client=client.name, status_class=status_class
    )
    if charged is not None and status < 400:
        model, items = charged
        metrics.add(metric_names.PREDICTION_COUNT_BY_CLIENT, items, client=client.name, model=model)
