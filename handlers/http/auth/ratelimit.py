"""Per-client rates in this process, kept by the `limits` library's sliding-window counters.

A client's rate R with burst B is two windows per counter: at most B in any one second, and at
most 60·R in any minute (R sustained). Requests cost 1, a batch costs its item count on the
items counter. Sliding-window counters cost O(1) per check whatever the rate (the moving
window keeps every hit: 86 us a check at 20,000 hits a minute). The limits are per process: see
handlers/http/AUTH.md for the fleet's.
"""

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from shared.auth.keys import ClientRecord
from shared.errors import InvalidInput, RateLimited


def _windows(rate: float, burst: int) -> tuple[RateLimitItem, ...]:
    return (
        RateLimitItemPerSecond(burst, namespace="burst"),
        RateLimitItemPerMinute(max(1, round(rate * 60)), namespace="sustained"),
    )


class ClientRateLimiter:
    def __init__(self) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def check(self, client: ClientRecord, items: int) -> None:
        """Count one request of `items` items, or raise RateLimited with when to retry
        (InvalidInput for a batch that no wait would let through)."""
        if items > client.item_burst:
            raise InvalidInput(
                f"batch has {items} items; client {client.name!r} may send at most "
                f"{client.item_burst} in any one second: split it"
            )
        checks = [(w, "requests", 1) for w in _windows(client.rate, client.burst)]
        if items:
            checks += [(w, "items", items) for w in _windows(client.item_rate, client.item_burst)]
        for window, counter, cost in checks:
            if not self._limiter.test(window, client.name, counter, cost=cost):
                raise RateLimited(
                    f"Rate limit exceeded for client {client.name!r}",
                    self._retry_after(window, client.name, counter),
                )
        for window, counter, cost in checks:
            self._limiter.hit(window, client.name, counter, cost=cost)

    def refuse_early(self, client: ClientRecord) -> None:
        """RateLimited if the client's request windows are full now, hitting nothing: asked
        before a body is read, so a key over its rate costs no read or parse of what it sends.
        `check` still counts the request once it is admitted."""
        for window in _windows(client.rate, client.burst):
            if not self._limiter.test(window, client.name, "requests", cost=1):
                raise RateLimited(
                    f"Rate limit exceeded for client {client.name!r}",
                    self._retry_after(window, client.name, "requests"),
                )

    def _retry_after(self, window: RateLimitItem, name: str, counter: str) -> int:
        reset_at = self._limiter.get_window_stats(window, name, counter).reset_time
        return max(1, math.ceil(reset_at - time.time()))
