"""The correlation id: chosen once, in the request middleware, for every runtime."""

from handlers.http.request_context import correlation_id, correlation_id_or_none
from shared.observability import logger


def test_correlation_id_prefers_request_id_then_trace_id() -> None:
    # GIVEN both id headers, only the ALB's, and an unsafe client id
    both = [(b"X-Amzn-Trace-Id", b"Root=1-a"), (b"x-request-id", b"client-1")]
    trace_only = [(b"x-amzn-trace-id", b"Root=1-a")]
    unsafe = [(b"x-request-id", b"bad id\n"), (b"x-amzn-trace-id", b"Root=1-a")]
    # WHEN an id is picked THEN the client's wins, then the ALB's; an unsafe one is skipped
    assert correlation_id_or_none(both) == "client-1"
    assert correlation_id_or_none(trace_only) == "Root=1-a"
    assert correlation_id_or_none(unsafe) == "Root=1-a"
    assert correlation_id_or_none([]) is None


def test_correlation_id_falls_back_to_the_invocation_id_then_a_uuid() -> None:
    # GIVEN no id header
    try:
        # WHEN the Lambda entry has set the invocation's id THEN that id is used
        logger.set_correlation_id("apigw-request-1")
        assert correlation_id([]) == "apigw-request-1"
    finally:
        logger.set_correlation_id(None)
    # WHEN nothing is set THEN every request gets a fresh UUID
    first, second = correlation_id([]), correlation_id([])
    assert first != second and len(first) == 36
