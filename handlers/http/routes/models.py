"""/models: describe every served model, predict one item, predict a batch with one model call."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel

from handlers.http.admission.declared import admits, batch_items, instances_or_one, model_in_path
from handlers.http.caller import may_see
from handlers.http.deps import (
    AnswersDep,
    BatcherDep,
    CallerDep,
    RegistryDep,
    SettingsDep,
    with_metadata,
)
from handlers.http.errors import BODY_ERRORS, NOT_LOADED, PREDICTION_ERRORS, UNKNOWN_MODEL
from handlers.http.fast_lane import lane
from shared.events.reference import split_metadata
from shared.kinds import AnyResponse
from shared.serving.batching import Caller
from shared.serving.bodies import BatchRequest, BatchResponse, ModelInfo, PredictionsResponse
from shared.serving.prediction import (
    describe,
    instances_of,
    predict_batch,
    predict_instances,
    predict_one,
)

router = APIRouter(prefix="/models", tags=["models"])
_PREDICT_ERRORS = {**UNKNOWN_MODEL, **BODY_ERRORS, **PREDICTION_ERRORS}


@router.get("", dependencies=[admits()], response_model=list[ModelInfo])
async def list_models_route(request: Request, registry: RegistryDep) -> list[ModelInfo]:
    """Every served model the caller's key may use: one client never learns of another's."""
    return [describe(model) for model in registry.served() if may_see(request, model.name)]


@router.get(
    "/{name}",
    dependencies=[admits(model=model_in_path)],
    responses={**UNKNOWN_MODEL, **NOT_LOADED},
)
async def get_model_route(name: str, registry: RegistryDep) -> ModelInfo:
    return describe(registry.get(name))


# The answer's shape is the model's kind's: documented per served model by handlers/openapi.py.
@router.post(
    "/{name}/predict",
    dependencies=[admits(model=model_in_path, items=instances_or_one)],
    response_model=None,
    responses={
        **_PREDICT_ERRORS,
        200: {"model": AnyResponse | PredictionsResponse, "description": "The kind's answer"},
    },
)
async def predict_model_route(
    request: Request,
    name: str,
    # Documented per served model by handlers/openapi.py; any object until one is loaded.
    item: Annotated[Any, Body(json_schema_extra={"type": "object"})],
    caller: CallerDep,
) -> BaseModel:
    return await predict_item(request, item, caller)


def any_item(body: Any) -> Any:
    """Every body the route takes as it is (JSON null is its 422): the fast lane's case."""
    return body


@lane(predict_model_route, any_item)
async def predict_item(request: Request, item: Any, caller: Caller) -> BaseModel:
    """One item, or `instances`, of the model the path names."""
    name = request.path_params["name"]
    state = request.app.state
    registry, batcher, settings = state.registry, state.batcher, state.settings
    # `metadata` beside the item (or beside `instances`) is the caller's reference, not input.
    item, metadata = split_metadata(item, registry.get(name).manifest.input_schema)
    caller = with_metadata(caller, metadata)
    if (instances := instances_of(item)) is not None:
        return await predict_instances(
            name, instances, registry, batcher, settings, caller, state.answers
        )
    return await predict_one(name, item, registry, batcher, settings, caller, state.answers)


@router.post(
    "/{name}/predict/batch",
    dependencies=[admits(model=model_in_path, items=batch_items)],
    responses=_PREDICT_ERRORS,
)
async def predict_batch_route(
    name: str,
    body: BatchRequest,
    registry: RegistryDep,
    batcher: BatcherDep,
    settings: SettingsDep,
    caller: CallerDep,
    answers: AnswersDep,
) -> BatchResponse:
    caller = with_metadata(caller, body.metadata)
    return await predict_batch(name, body, registry, batcher, settings, caller, answers)
