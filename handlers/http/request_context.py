"""Per-request context: correlation id, one access log line and the request metrics.

A plain ASGI middleware (no BaseHTTPMiddleware) keeps the per-request cost to microseconds.
Log keys live in a context variable, so concurrent requests never see each other's keys.
"""

import random
import re
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability import logger, metric_names, metrics

REQUEST_ID_HEADER = b"x-request-id"
TRACE_ID_HEADER = b"x-amzn-trace-id"
INTERNAL_ERROR = "Internal server error"
# Accept only ids that are safe to log and echo; anything else is replaced.
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._:;=/+-]{1,200}$")


def correlation_id_or_none(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The client's X-Request-Id, else the ALB's X-Amzn-Trace-Id, when one is safe to echo."""
    found = dict(
        (name.lower(), value)
        for name, value in headers
        if name.lower() in (REQUEST_ID_HEADER, TRACE_ID_HEADER)
    )
    for name in (REQUEST_ID_HEADER, TRACE_ID_HEADER):
        value = found.get(name)
        if value and _SAFE_ID.match(value):
            return value.decode("ascii")
    return None


def correlation_id(headers: list[tuple[bytes, bytes]]) -> str:
    """An id from the headers, else the invocation's (set by the Lambda entry), else a new UUID."""
    return correlation_id_or_none(headers) or logger.get_correlation_id() or new_request_id()


def new_request_id() -> str:
    """A random (version 4) UUID. Not uuid.uuid4(): its os.urandom releases the GIL, and under
    load the event loop then waits up to a switch interval for the inference thread to hand it
    back (the profile showed it as 4 % of the loop's time). An id needs to be unique, not secret:
    /feedback joins only a client's own ids."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


class RequestContextMiddleware:
    """Correlation id, request metrics and the access log line of every request.

    An unexpected exception is answered here, inside the request's context, as a JSON 500 with the
    id, and logged once with its traceback as a field. Left to Starlette, the outermost
    ServerErrorMiddleware would answer without the id and uvicorn would print the traceback.
    """

    def __init__(
        self, app: ASGIApp, access_log_sample_rate: float = 1.0, slow_request_ms: float = 500.0
    ) -> None:
        self.app = app
        self.sample_rate = access_log_sample_rate
        self.slow_request_ms = slow_request_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = correlation_id(scope["headers"])
        logger.thread_safe_append_keys(correlation_id=request_id)
        status = 0  # no response started yet

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        failure: Exception | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            failure = exc
            if not status:  # once a response has started, all we can do is log
                response = JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)
                await response(scope, receive, send_with_id)
        finally:
            self._record(scope, status or 500, (time.perf_counter() - started) * 1000, failure)
            logger.thread_safe_clear_keys()

    def _record(
        self, scope: Scope, status: int, elapsed_ms: float, failure: Exception | None
    ) -> None:
        # The route template, never the raw path, keeps metric dimensions low-cardinality.
        route = getattr(scope.get("route"), "path", "unmatched")
        metrics.add(metric_names.REQUEST_COUNT, 1, route=route)
        metrics.add(metric_names.REQUEST_LATENCY, round(elapsed_ms, 3), route=route)
        if status >= 400:
            metrics.add(metric_names.ERROR_COUNT, 1, route=route, status_class=f"{status // 100}xx")
        if failure is None and not self._worth_logging(status, elapsed_ms):
            return  # sampled out: no access line to build
        fields = {
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "latency_ms": round(elapsed_ms, 3),
        }
        if failure is not None:
            logger.error("request", exc_info=failure, extra=fields)
        else:
            logger.info("request", extra=fields)

    def _worth_logging(self, status: int, elapsed_ms: float) -> bool:
        """Errors (shed and timed-out requests among them) and slow requests always; the rest
        sampled. Metrics above count every request, so sampling only thins the log."""
        return (
            status >= 400
            or elapsed_ms >= self.slow_request_ms
            or random.random() < self.sample_rate
        )
