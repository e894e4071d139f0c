"""Daily quotas leased in blocks from either quota store: a (moto) DynamoDB table, the fleet's,
and a SQLite file, one machine's. Both keep the same promise, so both run every test here."""

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.http.auth.leases import QuotaLeases
from shared.auth.keys import ClientRecord
from shared.auth.quota_file import QuotaFile
from shared.auth.quota_store import QuotaStore, today
from shared.auth.quota_table import QuotaTable
from shared.errors import QuotaExhausted
from tests.support.quota import create_quota_table


@pytest.fixture(params=["dynamodb", "sqlite"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QuotaStore]:
    if request.param == "sqlite":
        yield QuotaFile(tmp_path / "quotas.sqlite3")
        return
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_quota_table(client, "quotas")
        yield SerialTable("quotas", client)


class SerialTable(QuotaTable):
    """DynamoDB applies each conditional write atomically; moto's in-memory backend does not
    serialise concurrent ones, so here the lease's calls take turns as DynamoDB's would."""

    _turn = threading.Lock()

    def lease(self, *args: Any, **kwargs: Any) -> int:
        with self._turn:
            return super().lease(*args, **kwargs)


def test_the_table_never_leases_past_the_quota(table: QuotaStore) -> None:
    granted = [table.lease("acme", today(), 30, quota=100) for _ in range(5)]
    assert granted == [30, 30, 30, 10, 0]


async def _spend(leases: QuotaLeases, client: ClientRecord, items: int) -> int:
    admitted = 0
    for _ in range(items):
        try:
            await leases.charge(client, 1)
            admitted += 1
        except QuotaExhausted as exc:
            assert exc.status_code == 429 and int(exc.headers()["Retry-After"]) >= 1
    return admitted


def test_two_processes_share_one_quota_and_report_usage(table: QuotaStore) -> None:
    client = ClientRecord(name="acme", daily_quota=95)
    first, second = (QuotaLeases(table, block_size=10, flush_seconds=60) for _ in range(2))

    # Each asks for more than the whole quota, so neither stops while it still holds a leased
    # block: items left in a process that stopped asking would be missing from the sum.
    async def both() -> list[int]:
        return list(await asyncio.gather(_spend(first, client, 100), _spend(second, client, 100)))

    admitted = asyncio.run(both())
    first.stop()
    second.stop()
    assert sum(admitted) == 95
    (row,) = table.usage("acme", days=1)
    assert (row["requests"], row["items"]) == (95, 95)


def test_unused_leases_are_handed_back(table: QuotaStore) -> None:
    client = ClientRecord(name="acme", daily_quota=1000)
    leases = QuotaLeases(table, block_size=100, flush_seconds=60)
    asyncio.run(leases.charge(client, 3))
    leases.stop()
    (row,) = table.usage("acme", days=1)
    assert (row["leased"], row["items"]) == (3, 3)
