"""POST /predict: the original Inferno request and response, a thin adapter over the default
model's prediction path (the same one `/models/{name}/predict` takes)."""

from fastapi import APIRouter

from handlers.http.admission.declared import admits, default_model, instances_or_one
from handlers.http.deps import (
    AnswersDep,
    BatcherDep,
    CallerDep,
    RegistryDep,
    SettingsDep,
    with_metadata,
)
from handlers.http.errors import BODY_ERRORS, PREDICTION_ERRORS
from handlers.http.schemas import PredictRequest, PredictResponse
from shared.errors import InvalidInput
from shared.kinds.classification import ModelPredictResponse
from shared.observability import logger
from shared.serving.prediction import predict_one

router = APIRouter(tags=["predict"])


@router.post(
    "/predict",
    dependencies=[admits(model=default_model, items=instances_or_one)],
    responses={**BODY_ERRORS, **PREDICTION_ERRORS},
)
async def predict_route(
    body: PredictRequest,
    registry: RegistryDep,
    batcher: BatcherDep,
    settings: SettingsDep,
    caller: CallerDep,
    answers: AnswersDep,
) -> PredictResponse:
    caller = with_metadata(caller, body.metadata)
    item = body.model_dump(exclude={"metadata"})
    answer = await predict_one(
        registry.default_name, item, registry, batcher, settings, caller, answers
    )
    if not isinstance(answer, ModelPredictResponse):  # a default model that is no classifier
        raise InvalidInput("POST /predict needs a classifier; use /models/{name}/predict")
    logger.thread_safe_append_keys(label=answer.label)
    return PredictResponse(
        text=body.text,
        sentiment=answer.label,
        confidence=answer.confidence,
        model_version=answer.version,
    )
