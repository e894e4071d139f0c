"""Every served model: describe it, predict one item, predict a batch with one model call."""

from typing import Annotated, Any

from fastapi import APIRouter, Body

from handlers.deps import BatcherDep, ClientGoneDep, RegistryDep, SettingsDep
from handlers.errors import BODY_ERRORS, NOT_LOADED, PREDICTION_ERRORS, UNKNOWN_MODEL
from shared import metric_names
from shared.batching import ClientGone, PredictionBatcher
from shared.errors import InvalidInput
from shared.model import LoadedModel, Prediction
from shared.observability import logger, metrics, tracer
from shared.registry import ModelRegistry
from shared.schemas import (
    BatchItemResult,
    BatchRequest,
    BatchResponse,
    ModelInfo,
    ModelPrediction,
    ModelPredictResponse,
)
from shared.settings import Settings
from shared.validation import validate_item

router = APIRouter(prefix="/models", tags=["models"])
_PREDICT_ERRORS = {**UNKNOWN_MODEL, **BODY_ERRORS, **PREDICTION_ERRORS}


def describe(model: LoadedModel) -> ModelInfo:
    manifest = model.manifest
    return ModelInfo(
        name=manifest.name,
        version=manifest.version,
        task=manifest.task,
        labels=manifest.labels,
        input_schema=manifest.input_schema.model_dump(),
        metrics=manifest.metrics,
        created_at=manifest.created_at,
        description=manifest.description,
    )


def _record(model: LoadedModel, predictions: list[Prediction]) -> None:
    for prediction in predictions:
        metrics.add(metric_names.PREDICTION_COUNT, 1, model=model.name, label=prediction.label)
    logger.thread_safe_append_keys(
        model=model.name, model_version=model.version, items=len(predictions)
    )


def _as_output(prediction: Prediction) -> ModelPrediction:
    return ModelPrediction(
        label=prediction.label,
        confidence=prediction.confidence,
        probabilities=prediction.probabilities,
    )


@tracer.capture_method
async def predict_one(
    name: str,
    item: Any,
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    settings: Settings,
    client_gone: ClientGone | None = None,
) -> ModelPredictResponse:
    model = registry.get(name)
    value = validate_item(model.manifest.input_schema, item, settings.max_text_length)
    prediction = await batcher.predict(model, value, client_gone)
    _record(model, [prediction])
    return ModelPredictResponse(
        model=model.name, version=model.version, **_as_output(prediction).model_dump()
    )


@tracer.capture_method
async def predict_batch(
    name: str,
    request: BatchRequest,
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    settings: Settings,
    client_gone: ClientGone | None = None,
) -> BatchResponse:
    """Valid items go to the model in one call; an invalid one is answered by its index."""
    if len(request.items) > settings.max_batch_size:
        raise InvalidInput(
            f"batch has {len(request.items)} items; the limit is {settings.max_batch_size}"
        )
    model = registry.get(name)
    results: list[BatchItemResult] = []
    valid: list[tuple[int, Any]] = []
    for index, item in enumerate(request.items):
        try:
            valid.append(
                (index, validate_item(model.manifest.input_schema, item, settings.max_text_length))
            )
        except InvalidInput as exc:
            results.append(BatchItemResult(index=index, error=exc.args[0]))
    # One model call for the batch (shared with whatever else is queued at that moment).
    predictions = await batcher.predict_many(model, [value for _, value in valid], client_gone)
    results += [
        BatchItemResult(index=index, prediction=_as_output(prediction))
        for (index, _), prediction in zip(valid, predictions, strict=True)
    ]
    _record(model, predictions)
    return BatchResponse(
        model=model.name, version=model.version, results=sorted(results, key=lambda r: r.index)
    )


@router.get("", response_model=list[ModelInfo])
async def list_models_route(registry: RegistryDep) -> list[ModelInfo]:
    return [describe(model) for model in registry.served()]


@router.get("/{name}", responses={**UNKNOWN_MODEL, **NOT_LOADED})
async def get_model_route(name: str, registry: RegistryDep) -> ModelInfo:
    return describe(registry.get(name))


@router.post("/{name}/predict", responses=_PREDICT_ERRORS)
async def predict_model_route(
    name: str,
    # Documented per served model by handlers/openapi.py; any object until one is loaded.
    item: Annotated[Any, Body(json_schema_extra={"type": "object"})],
    registry: RegistryDep,
    batcher: BatcherDep,
    settings: SettingsDep,
    client_gone: ClientGoneDep,
) -> ModelPredictResponse:
    return await predict_one(name, item, registry, batcher, settings, client_gone)


@router.post("/{name}/predict/batch", responses=_PREDICT_ERRORS)
async def predict_batch_route(
    name: str,
    body: BatchRequest,
    registry: RegistryDep,
    batcher: BatcherDep,
    settings: SettingsDep,
    client_gone: ClientGoneDep,
) -> BatchResponse:
    return await predict_batch(name, body, registry, batcher, settings, client_gone)
