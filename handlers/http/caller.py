"""Who is calling, as the admission stage (handlers/http/admission/keys.py) left it on the request,
and what that caller may be told of: only the models its key may use."""

from fastapi import Request

from shared.auth.keys import ClientRecord

CLIENT = "client"  # the request.state key the admission stage sets


def client_of(request: Request) -> ClientRecord | None:
    """The client whose key authenticated this request; None under AUTH_MODE=none, and for an
    anonymous probe of an open path (/health, /ready) under keys."""
    # The scope's state itself: a missing attribute of request.state costs an exception.
    client: ClientRecord | None = request.scope.get("state", {}).get(CLIENT)
    return client


def may_see(request: Request, model: str) -> bool:
    """Whether the caller may know of `model`: every caller may under AUTH_MODE=none; under keys
    only a client whose key may use it (an anonymous probe of /ready learns of none)."""
    client = client_of(request)
    if client is None:
        return request.app.state.auth is None
    return client.may_use(model)
