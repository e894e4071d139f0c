"""Per-client rates in one process: a burst per second, a sustained rate per minute, requests and
items counted apart, and a retry time that is a whole second at least."""

import pytest

from handlers.http.auth.ratelimit import ClientRateLimiter
from shared.auth.keys import ClientRecord
from shared.errors import InvalidInput, RateLimited


def test_a_client_gets_its_burst_and_then_a_retry_time() -> None:
    # GIVEN a client allowed 3 requests in any one second
    limiter, client = ClientRateLimiter(), ClientRecord(name="acme", rate=1.0, burst=3)
    # WHEN it sends 4 at once
    for _ in range(3):
        limiter.check(client, items=0)
    # THEN the fourth is refused with when to retry
    with pytest.raises(RateLimited) as refused:
        limiter.check(client, items=0)
    assert refused.value.retry_after_seconds >= 1
    assert "acme" in str(refused.value)


def test_clients_are_counted_apart() -> None:
    limiter = ClientRateLimiter()
    acme, other = ClientRecord(name="acme", burst=1), ClientRecord(name="other", burst=1)
    limiter.check(acme, items=0)
    limiter.check(other, items=0)
    with pytest.raises(RateLimited):
        limiter.check(acme, items=0)


def test_items_have_their_own_burst_and_a_batch_past_it_is_refused_outright() -> None:
    limiter, client = ClientRateLimiter(), ClientRecord(name="acme", item_burst=10)
    # A batch no wait would let through is the client's mistake, not a rate
    with pytest.raises(InvalidInput, match="at most 10 in any one second"):
        limiter.check(client, items=11)
    limiter.check(client, items=6)
    with pytest.raises(RateLimited):
        limiter.check(client, items=6)


def test_a_refused_check_counts_nothing() -> None:
    # GIVEN a client whose item window is nearly full
    limiter, client = ClientRateLimiter(), ClientRecord(name="acme", burst=5, item_burst=10)
    limiter.check(client, items=8)
    # WHEN a batch is refused for its items
    with pytest.raises(RateLimited):
        limiter.check(client, items=8)
    # THEN its request was not counted either: the request window still has room for the rest
    for _ in range(4):
        limiter.check(client, items=0)


def test_refusing_early_reads_the_request_windows_without_counting() -> None:
    limiter, client = ClientRateLimiter(), ClientRecord(name="acme", burst=1)
    limiter.refuse_early(client)
    limiter.refuse_early(client)  # asking twice uses nothing
    limiter.check(client, items=0)
    with pytest.raises(RateLimited):
        limiter.refuse_early(client)
