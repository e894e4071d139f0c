"""POST /predict: the default sentiment model, with the original Inferno request and response."""

from fastapi import APIRouter

from handlers.deps import BatcherDep, ClientGoneDep, RegistryDep
from handlers.errors import BODY_ERRORS, PREDICTION_ERRORS
from shared import metric_names
from shared.batching import ClientGone, PredictionBatcher
from shared.observability import logger, metrics, tracer
from shared.registry import ModelRegistry
from shared.schemas import PredictRequest, PredictResponse

router = APIRouter(tags=["predict"])


@tracer.capture_method
async def predict_sentiment(
    request: PredictRequest,
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    client_gone: ClientGone | None = None,
) -> PredictResponse:
    model = registry.default()  # one reference: the whole request is served by this version
    prediction = await batcher.predict(model, request.text, client_gone)
    metrics.add(metric_names.PREDICTION_COUNT, 1, model=model.name, label=prediction.label)
    logger.thread_safe_append_keys(
        model=model.name, model_version=model.version, label=prediction.label
    )
    return PredictResponse(
        text=request.text,
        sentiment=prediction.label,
        confidence=prediction.confidence,
        model_version=model.version,
    )


@router.post(
    "/predict",
    responses={**BODY_ERRORS, **PREDICTION_ERRORS},
)
async def predict_route(
    body: PredictRequest, registry: RegistryDep, batcher: BatcherDep, client_gone: ClientGoneDep
) -> PredictResponse:
    return await predict_sentiment(body, registry, batcher, client_gone)
