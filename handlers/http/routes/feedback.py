"""POST /feedback: the true label (or value) of a past prediction, from the client that asked
for it; joined to its answer, captured beside the predictions, scored as LiveQuality."""

from fastapi import APIRouter, Request

from handlers.http.admission.declared import admits
from handlers.http.caller import client_of
from handlers.http.deps import CaptureDep, RegistryDep
from handlers.http.errors import BODY_ERRORS, RATE_LIMITED, UNKNOWN_REQUEST
from shared.capture.feedback import FeedbackRequest, FeedbackResponse

router = APIRouter(tags=["feedback"])


@router.post(
    "/feedback",
    # Feedback predicts nothing: the client's rate, not a model or its quota of items.
    dependencies=[admits()],
    status_code=202,
    responses={**BODY_ERRORS, **UNKNOWN_REQUEST, **RATE_LIMITED},
)
async def feedback_route(
    body: FeedbackRequest, request: Request, registry: RegistryDep, capture: CaptureDep
) -> FeedbackResponse:
    """Only the client that asked for a prediction may label it (any caller under AUTH_MODE=none,
    for anonymous predictions); another client's request id is answered 404, as an unknown one."""
    client = client_of(request)
    return await capture.feedback(body, client.name if client else None, registry)
