"""Where daily quotas and usage are counted: the interface QuotaLeases and `keys usage` use,
and the UTC day it counts by. quota_factory.py chooses between the fleet's table and a
machine's file:

QUOTA_TABLE_NAME picks the DynamoDB table (what Terraform deploys); otherwise QUOTA_DB_PATH, or
by default a SQLite file beside the keys in a local store, so a laptop under AUTH_MODE=keys runs
the same leases as the fleet. An S3 store without a table has no default: a file would count
one machine's share of a fleet and miss the rest, so quotas are then not enforced (with a
warning at start).
"""

from datetime import UTC, datetime, timedelta
from typing import Protocol, TypedDict

RETENTION_DAYS = 400  # rows are dropped after this: `keys usage --days` reaches this far
LOCAL_QUOTA_FILE = ".auth/quotas.sqlite3"  # in a local store, beside the key file


class UsageRow(TypedDict):
    client: str
    day: str
    requests: int
    items: int
    leased: int


class QuotaStore(Protocol):
    """One row per client and UTC day: `leased` never passes the quota, whoever asks."""

    def lease(self, client: str, day: str, want: int, quota: int) -> int:
        """Lease up to `want` items of the day's quota; how many were granted (0: none left)."""
        ...

    def release(self, client: str, day: str, unused: int) -> None:
        """Hand back items leased but not used (a process shutting down)."""
        ...

    def add_usage(self, client: str, day: str, requests: int, items: int) -> None: ...

    def usage(self, client: str | None, days: int) -> list[UsageRow]:
        """Requests and items per client per day, the last `days` days (today included),
        ordered by client and day."""
        ...


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def first_day(days: int) -> str:
    """The oldest day of the last `days` days, today included."""
    return (datetime.now(UTC).date() - timedelta(days=days - 1)).isoformat()


def seconds_to_midnight() -> int:
    now = datetime.now(UTC)
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return max(1, int((tomorrow - now).total_seconds()) + 1)
