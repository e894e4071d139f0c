"""POST /predict: the original Inferno request and response, a thin adapter over the default
model's prediction path (the same one `/models/{name}/predict` takes)."""

from typing import Any

from fastapi import APIRouter, Request

from handlers.http.admission.declared import admits, default_model, instances_or_one
from handlers.http.deps import CallerDep, with_metadata
from handlers.http.errors import BODY_ERRORS, PREDICTION_ERRORS
from handlers.http.fast_lane import lane
from handlers.http.schemas import PredictRequest, PredictResponse
from shared.errors import InvalidInput
from shared.kinds.classification import ModelPrediction
from shared.observability import logger
from shared.serving.batching import Caller
from shared.serving.prediction import predict_output

router = APIRouter(tags=["predict"])
_FIELDS = frozenset(PredictRequest.model_fields)


@router.post(
    "/predict",
    dependencies=[admits(model=default_model, items=instances_or_one)],
    responses={**BODY_ERRORS, **PREDICTION_ERRORS},
)
async def predict_route(
    request: Request, body: PredictRequest, caller: CallerDep
) -> PredictResponse:
    return await classify(request, body.text, with_metadata(caller, body.metadata))


def plain_text(body: Any) -> str | None:
    """The text of a body PredictRequest accepts as it is, without metadata: the fast lane's
    case (handlers/http/fast_lane.py); anything else is the route's to validate."""
    if type(body) is not dict or not body.keys() <= _FIELDS or body.get("metadata") is not None:
        return None
    text = body.get("text")
    return text if type(text) is str else None


@lane(predict_route, plain_text)
async def classify(request: Request, text: str, caller: Caller) -> PredictResponse:
    """The default model's label for `text`, in the original API's fields."""
    state = request.app.state
    registry = state.registry
    model, answer = await predict_output(
        registry.default_name,
        {"text": text},
        registry,
        state.batcher,
        state.settings,
        caller,
        state.answers,
    )
    if not isinstance(answer, ModelPrediction):  # a default model that is no classifier
        raise InvalidInput("POST /predict needs a classifier; use /models/{name}/predict")
    logger.thread_safe_append_keys(label=answer.label)
    return PredictResponse.model_construct(
        text=text,
        sentiment=answer.label,
        confidence=answer.confidence,
        model_version=model.version,
    )
