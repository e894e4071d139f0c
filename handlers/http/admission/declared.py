"""What a route admits, declared on the route itself as its one dependency: whether a caller
needs a key, which model a request uses and how many items it predicts.

The admission stage (stage.py) reads the declaration before the body, from the route the router
will pick; the dependency runs once the body is read, for what only the body tells (the items).
A route without a declaration is closed: a new route needs a key until it says otherwise.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

from handlers.http.admission.fields import few_unknown_fields
from handlers.http.auth.service import AuthService
from handlers.http.caller import CLIENT
from handlers.http.media_type import require_json
from shared.auth.keys import ClientRecord
from shared.serving.prediction import instances_of
from shared.serving.registry import ModelRegistry

CHARGE = "charged"  # request.state key: (model, items) a client is charged once answered
ADMITS = "admits"  # the attribute marking a plain Starlette route (the docs page, its assets)

# The model a request uses, from the route's path parameters.
ModelOf = Callable[[Mapping[str, Any], ModelRegistry], str]
# The items a request predicts, from its body (read already: Starlette keeps it).
ItemsOf = Callable[[Request], Awaitable[int]]


def default_model(path_params: Mapping[str, Any], registry: ModelRegistry) -> str:
    return registry.default_name


def model_in_path(path_params: Mapping[str, Any], registry: ModelRegistry) -> str:
    return str(path_params["name"])


async def instances_or_one(request: Request) -> int:
    """An `instances` body's length, else one item. A single item is told from its bytes, so
    only `instances` bodies are parsed again here."""
    if b'"instances"' not in await request.body():
        return 1
    return await _length(request, instances_of)


async def batch_items(request: Request) -> int:
    """A batch's `items` (or `instances`)."""
    return await _length(request, lambda body: body.get("items", body.get("instances")))


async def _length(request: Request, items_of: Callable[[dict[str, Any]], Any]) -> int:
    try:
        body = await request.json()
    except ValueError:
        return 1
    items = items_of(body) if isinstance(body, dict) else None
    return max(1, len(items)) if isinstance(items, list) else 1


@dataclass(frozen=True)
class Admits:
    """A route's admission: `open` routes need no key (the load balancer's probes, the docs);
    `model` is checked against the client's key (403) and charged; `items` count against the
    client's item rate and daily quota (none: one request, no items)."""

    open: bool = False
    model: ModelOf | None = None
    items: ItemsOf | None = None

    async def __call__(self, request: Request) -> None:
        """The checks that follow the body, in order: JSON (415), the client's model, rate and
        quota (403, 429), and a body of countless unknown fields (422)."""
        await require_json(request)
        if not self.open:
            await self._admit_client(request)
        await few_unknown_fields(request)

    async def _admit_client(self, request: Request) -> None:
        service: AuthService | None = request.app.state.auth
        if service is None:
            return
        client: ClientRecord = getattr(request.state, CLIENT)
        model = self.model(request.path_params, request.app.state.registry) if self.model else None
        service.authorize(client, model)
        items = await self.items(request) if self.items is not None else 0
        await service.admit(client, items)
        if items and model is not None:
            setattr(request.state, CHARGE, (model, items))


CLOSED = Admits()
OPEN = Admits(open=True)
ANYONE = Depends(OPEN)


def admits(model: ModelOf | None = None, items: ItemsOf | None = None) -> Any:
    """The dependency a keyed route declares: `dependencies=[admits(model=..., items=...)]`."""
    return Depends(Admits(model=model, items=items))


def open_route(route: BaseRoute) -> BaseRoute:
    """Mark a plain Starlette route (no dependencies) open to anyone."""
    setattr(route, ADMITS, OPEN)
    return route


def declared(route: BaseRoute | None) -> Admits:
    """What `route` admits; CLOSED for a route that does not say, and for no route (a 404)."""
    marked = getattr(route, ADMITS, None)
    if isinstance(marked, Admits):
        return marked
    dependant = getattr(route, "dependant", None)
    for dependency in dependant.dependencies if dependant is not None else ():
        if isinstance(dependency.call, Admits):
            return dependency.call
    return CLOSED


def by_path(routes: list[BaseRoute]) -> dict[str, Admits]:
    """What each route admits, by its path template (as the OpenAPI document names it)."""
    return {
        str(context.path_format): declared(context.original_route)
        for context in iter_route_contexts(routes)
    }


def undeclared(routes: list[BaseRoute]) -> list[str]:
    """Routes with dependencies but no declaration: they would skip the JSON and client checks."""
    originals = [context.original_route for context in iter_route_contexts(routes)]
    return [
        str(getattr(route, "name", route))
        for route in originals
        if getattr(route, "dependant", None) is not None and declared(route) is CLOSED
    ]
