"""A Lambda HTTP event the adapter cannot read (a body that is not base64 though flagged so, no
headers, a body that is not a string) is the caller's fault: a JSON 400 in the event source's
response shape, not an invocation error."""

import functools
import json
from collections.abc import Callable
from typing import Any

from shared.observability import logger

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
MALFORMED = "Malformed event: the request could not be read"


def answering_malformed_events(handler: Handler) -> Handler:
    """Around the adapter's call: the app answers every error of its own, so what escapes is
    the adapter failing to read the event."""

    @functools.wraps(handler)
    def answered(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return handler(event, context)
        except Exception as exc:
            logger.warning(MALFORMED, extra={"error": f"{type(exc).__name__}: {exc}"})
            return bad_request(event)

    return answered


def bad_request(event: Any) -> dict[str, Any]:
    """400 with a JSON detail; multi-value headers when an ALB event came with them."""
    response: dict[str, Any] = {
        "statusCode": 400,
        "body": json.dumps({"detail": MALFORMED}),
        "isBase64Encoded": False,
    }
    content_type = "application/json"
    if isinstance(event, dict) and "multiValueHeaders" in event:
        response["multiValueHeaders"] = {"content-type": [content_type]}
    else:
        response["headers"] = {"content-type": content_type}
    if isinstance(event, dict) and "elb" in (event.get("requestContext") or {}):
        response["statusDescription"] = "400 Bad Request"
    return response
