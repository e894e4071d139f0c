"""AWS Lambda entry point: the FastAPI app behind Mangum, instrumented with Powertools.

Set the function's handler to `handlers.lambda_function.handler`. It answers ALB (single- and
multi-value headers), API Gateway REST (v1) and HTTP API (v2) events with the same routes,
statuses and bodies as the container, because it is the same app.
"""

import uuid
from typing import Any, cast

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from handlers.app import app
from handlers.middleware import correlation_id_or_none
from shared.observability import logger, metrics, tracer
from shared.observability.setup import metrics_namespace, service_name
from shared.registry import ModelRegistry

LambdaEvent = dict[str, Any]


class ColdStartOnlyProvider(AmazonCloudWatchEMFProvider):
    """Carries only Powertools' ColdStart metric; application metrics go through the buffer.

    Powertools warns on every invocation whose own metric set is empty, which here is all of them.
    """

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if self.metric_set or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)


cold_start_metrics = Metrics(
    provider=ColdStartOnlyProvider(namespace=metrics_namespace(), service=service_name())
)

# Lifespan off: Mangum would otherwise run startup and shutdown on every invocation
# (Kludex/mangum#342), and a Lambda environment needs no background refresh thread.
asgi_handler = Mangum(app, lifespan="off")


registry: ModelRegistry = app.state.registry
# At init, outside any invocation: every later invocation of this environment reuses the models.
# A model that failed (a store outage) is retried by later invocations, with the registry's
# back-off; Lambda has no place for a retry thread.
registry.load_if_due()


def event_headers(event: LambdaEvent) -> list[tuple[bytes, bytes]]:
    """Headers of any supported event as ASGI pairs (multi-value ones flattened)."""
    pairs = [
        (str(k).lower().encode(), str(v).encode()) for k, v in (event.get("headers") or {}).items()
    ]
    for name, values in (event.get("multiValueHeaders") or {}).items():
        pairs += [(str(name).lower().encode(), str(value).encode()) for value in values or ()]
    return pairs


def event_correlation_id(event: LambdaEvent) -> str:
    """The id the container would pick from these headers, else API Gateway's request id."""
    from_headers = correlation_id_or_none(event_headers(event))
    request_id = (event.get("requestContext") or {}).get("requestId")
    return from_headers or (str(request_id) if request_id else str(uuid.uuid4()))


def respond(event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
    """One invocation: the app's response; buffered metrics flushed whatever happens."""
    # Set here rather than by inject_lambda_context's correlation_id_path: a JMESPath cannot
    # lower-case API Gateway v1's header names nor apply the middleware's safe-id check. The
    # middleware falls back to this id when no header names one (API Gateway's request id).
    logger.set_correlation_id(event_correlation_id(event))
    try:
        registry.load_if_due()
        # Powertools and Mangum type the same runtime context object with different protocols.
        return asgi_handler(event, cast(Any, context))
    finally:
        metrics.flush()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@cold_start_metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
    return respond(event, context)
