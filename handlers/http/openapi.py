"""The OpenAPI document: FastAPI's, with each served model's exact request body and the limits.

No one schema states what `POST /models/{name}/predict` takes: that depends on the model named.
So the document lists one path per served model, with that model's item schema, and a request
that is valid against the document is one the service accepts. It is rebuilt when the served
versions change (hot reload); before any model loads, the template path stays. Under
AUTH_MODE=keys a client's document lists only the models its key may use.
"""

import copy
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from handlers.http.admission.declared import CLOSED, Admits, by_path, open_route
from handlers.http.caller import may_see
from handlers.http.schemas import item_json_schema, row_json_schema
from shared.events.reference import METADATA_FIELD, metadata_json_schema, takes_metadata
from shared.serving.loaded_model import LoadedModel
from shared.settings import Settings

TEMPLATE = "/models/{name}/predict"
Document = dict[str, Any]
Served = tuple[tuple[str, str], ...]


def install_openapi(app: FastAPI) -> None:
    """`app.openapi()` describes every served model; the served document, /openapi.json, only
    those the caller's key may use (handlers/http/caller.py), so no client learns another's."""
    built: dict[Served, dict[tuple[str, ...], Document]] = {}

    def document_of(models: list[LoadedModel]) -> Document:
        served = tuple((model.name, model.version) for model in app.state.registry.served())
        by_visible = built.get(served)
        if by_visible is None:  # the served versions changed: forget every older document
            built.clear()
            by_visible = built[served] = {}
        visible = tuple(model.name for model in models)
        if visible not in by_visible:
            base, admitted = FastAPI.openapi(app), by_path(app.routes)
            by_visible[visible] = document(base, models, app.state.settings, admitted)
        return by_visible[visible]

    def openapi() -> Document:
        return document_of(app.state.registry.served())

    async def openapi_route(request: Request) -> JSONResponse:
        models = app.state.registry.served()
        return JSONResponse(document_of([m for m in models if may_see(request, m.name)]))

    app.openapi = openapi  # type: ignore[method-assign]
    if app.openapi_url is None:
        return
    # FastAPI's own route serves app.openapi(), which cannot see the request: ours replaces it.
    app.router.routes[:] = [r for r in app.router.routes if _path(r) != app.openapi_url]
    app.router.routes.append(
        open_route(Route(app.openapi_url, openapi_route, include_in_schema=False))
    )


def _path(route: BaseRoute) -> str | None:
    path: str | None = getattr(route, "path", None)
    return path


def document(
    base: Document, models: list[LoadedModel], settings: Settings, admitted: dict[str, Admits]
) -> Document:
    """`admitted`: what each route's path admits (handlers/http/admission/declared.py)."""
    doc = copy.deepcopy(base)
    schemas = doc["components"]["schemas"]
    schemas["PredictRequest"]["properties"]["text"]["maxLength"] = settings.max_text_length
    schemas["BatchRequest"]["properties"]["items"]["maxItems"] = settings.max_batch_size
    if settings.auth_mode == "keys":  # on the template path: each model's path copies it
        _declare_client_keys(doc, admitted)
    if models:
        doc["paths"] = _per_model_paths(doc["paths"], models, settings)
    return doc


def _declare_client_keys(doc: Document, admitted: dict[str, Admits]) -> None:
    """How to present a key, and what the key checks answer, on every route they guard."""
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A client key"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
    }
    for path, item in doc["paths"].items():
        admits = admitted.get(path, CLOSED)
        if admits.open:
            continue
        checks = {**_KEY_CHECKS, **(_MODEL_CHECK if admits.model is not None else {})}
        for operation in item.values():
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            responses = operation.setdefault("responses", {})
            for status, description in checks.items():
                responses.setdefault(status, _error(description))


_KEY_CHECKS = {
    "401": "No key, or one unknown, expired or revoked",
    "429": "Over the client's rate, its daily quota, or its share of the queued work",
}
_MODEL_CHECK = {"403": "The key may not use this model"}


def _error(description: str) -> Document:
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _per_model_paths(paths: Document, models: list[LoadedModel], settings: Settings) -> Document:
    expanded: Document = {}
    for path, item in paths.items():
        if path != TEMPLATE:
            expanded[path] = item
            continue
        for model in models:
            operation = _model_operation(item["post"], model, settings)
            expanded[f"/models/{model.name}/predict"] = {"post": operation}
    return expanded


def _model_operation(template: Document, model: LoadedModel, settings: Settings) -> Document:
    max_text_length, max_batch_size = settings.max_text_length, settings.max_batch_size
    operation = copy.deepcopy(template)
    operation["operationId"] = f"{template['operationId']}_{model.name}"
    operation["summary"] = f"Predict one item with {model.name}"
    parameters = [p for p in operation.pop("parameters", []) if p.get("name") != "name"]
    if parameters:
        operation["parameters"] = parameters
    schema = item_json_schema(model.manifest.input_schema, max_text_length)
    schema["properties"].update(model.kind.request_properties(model.manifest))
    schema["examples"] = [model.manifest.sample.input]
    row = row_json_schema(model.manifest.input_schema, max_text_length)
    instances: Document = {
        "type": "object",
        "properties": {
            "instances": {
                "type": "array",
                "items": {"oneOf": [{k: v for k, v in schema.items() if k != "examples"}, row]},
                "minItems": 1,
                "maxItems": max_batch_size,
            }
        },
        "required": ["instances"],
        "additionalProperties": False,
        "examples": [{"instances": [model.manifest.sample.input]}],
    }
    if takes_metadata(model.manifest.input_schema):  # the caller's reference, beside the input
        for shape in (schema, instances):
            shape["properties"] = {**shape["properties"], METADATA_FIELD: metadata_json_schema()}
    body = {"oneOf": [schema, instances]}
    operation["requestBody"]["content"]["application/json"]["schema"] = body
    # The answer of this model's kind (every kind's schema is a component: see routes/models.py),
    # or, for `instances`, a list of the kind's predictions.
    answer = {"$ref": f"#/components/schemas/{model.kind.response.__name__}"}
    predictions = {
        "type": "object",
        "properties": {
            "model": {"type": "string"},
            "version": {"type": "string"},
            "predictions": {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{model.kind.output.__name__}"},
            },
        },
        "required": ["model", "version", "predictions"],
    }
    operation["responses"]["200"]["content"]["application/json"]["schema"] = {
        "oneOf": [answer, predictions]
    }
    return operation
