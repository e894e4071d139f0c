"""AWS Lambda entry point: the FastAPI app behind Mangum, instrumented with Powertools.

Set the function's handler to `handlers.lambda_function.handler`. It answers ALB (single- and
multi-value headers), API Gateway REST (v1) and HTTP API (v2) events with the same routes,
statuses and bodies as the container, because it is the same app. The request middleware picks
the correlation id (a request header, else API Gateway's request id that Powertools sets here).
Escalation events an invocation raises are sent before it returns (shared/events/README.md).
"""

from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from handlers.http.app import app
from handlers.malformed_events import answering_malformed_events
from shared.capture import Capture
from shared.events.service import Escalations
from shared.observability import logger, metrics, tracer
from shared.rollouts.service import Handler as LambdaHandler
from shared.rollouts.service import Rollouts
from shared.serving.registry import ModelRegistry

# Lifespan off: Mangum would otherwise run startup and shutdown on every invocation
# (Kludex/mangum#342), and a Lambda environment needs no background refresh thread.
asgi_handler = Mangum(app, lifespan="off")
registry: ModelRegistry = app.state.registry
escalations: Escalations = app.state.escalations
# Its writers' threads are frozen between invocations: each invocation writes what it queued.
capture: Capture = app.state.capture
# At init, outside any invocation: every later invocation of this environment reuses the models.
registry.load_if_due()
# A rollout's plan is followed per invocation when due; comparisons run before it returns.
rollouts: Rollouts | None = app.state.rollouts


def following_rollouts(handler: LambdaHandler) -> LambdaHandler:
    return handler if rollouts is None else rollouts.around_invocation(handler)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@capture.flushed
@registry.retrying_failed_loads
@following_rollouts
@escalations.around_invocation
@answering_malformed_events
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Powertools and Mangum type the same runtime context object with different protocols.
    return asgi_handler(event, cast(Any, context))
