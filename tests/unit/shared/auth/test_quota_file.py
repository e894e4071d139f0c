"""The SQLite quota file: what tests/unit/handlers/http/auth/test_leases.py asks of both stores,
plus what only a file does (processes racing on one file, WAL, retention, a file that cannot be
opened)."""

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from shared.auth.quota_file import QuotaFile
from shared.auth.quota_store import RETENTION_DAYS, today
from shared.errors import QuotaUnavailable

PROCESSES, QUOTA, BLOCK = 4, 500, 7


def _lease_until_refused(path: Path, start: Barrier, granted: "Queue[int | str]") -> None:
    """One process (a uvicorn worker) leasing small blocks from the shared file until refused."""
    try:
        quotas, total = QuotaFile(path), 0
        start.wait(timeout=60)
        while (block := quotas.lease("acme", today(), BLOCK, QUOTA)) > 0:
            total += block
            quotas.add_usage("acme", today(), 1, block)
        granted.put(total)
    except Exception as exc:  # reported to the test, which fails on it
        granted.put(repr(exc))


def test_processes_sharing_the_file_never_lease_past_the_quota(tmp_path: Path) -> None:
    # GIVEN several processes, started together on one fresh file (each creates it if absent)
    path = tmp_path / "quotas.sqlite3"
    context = multiprocessing.get_context("spawn")  # as uvicorn starts its workers
    start, granted = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(target=_lease_until_refused, args=(path, start, granted))
        for _ in range(PROCESSES)
    ]
    # WHEN each leases blocks of the same client's quota until the file refuses it
    for worker in workers:
        worker.start()
    totals = [granted.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    # THEN none failed, and together they got exactly the quota, no item more
    assert all(isinstance(total, int) for total in totals), totals
    assert sum(int(total) for total in totals) == QUOTA
    (row,) = QuotaFile(path).usage("acme", days=1)
    assert (row["leased"], row["items"]) == (QUOTA, QUOTA)


def test_the_file_is_shared_through_wal_and_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "store" / ".auth" / "quotas.sqlite3"  # the folder is made if absent
    assert QuotaFile(path).lease("acme", today(), 30, quota=40) == 30
    # A process started later (a restart, another worker) sees what was leased before it.
    assert QuotaFile(path).lease("acme", today(), 30, quota=40) == 10
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_usage_is_per_client_and_day_within_the_days_asked(tmp_path: Path) -> None:
    quotas = QuotaFile(tmp_path / "quotas.sqlite3")
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    quotas.add_usage("zeta", today(), 1, 2)
    quotas.add_usage("acme", today(), 3, 4)
    quotas.add_usage("acme", today(), 1, 1)
    quotas.add_usage("acme", yesterday, 5, 6)
    assert [(r["client"], r["day"], r["requests"], r["items"]) for r in quotas.usage(None, 2)] == [
        ("acme", yesterday, 5, 6),
        ("acme", today(), 4, 5),
        ("zeta", today(), 1, 2),
    ]
    assert [r["day"] for r in quotas.usage("acme", days=1)] == [today()]


def test_released_items_can_be_leased_again(tmp_path: Path) -> None:
    quotas = QuotaFile(tmp_path / "quotas.sqlite3")
    assert quotas.lease("acme", today(), 10, quota=10) == 10
    assert quotas.lease("acme", today(), 10, quota=10) == 0
    quotas.release("acme", today(), 4)
    assert quotas.lease("acme", today(), 10, quota=10) == 4


def test_rows_past_retention_are_dropped_when_a_process_opens_the_file(tmp_path: Path) -> None:
    path = tmp_path / "quotas.sqlite3"
    old = (datetime.now(UTC).date() - timedelta(days=RETENTION_DAYS + 1)).isoformat()
    QuotaFile(path).add_usage("acme", old, 1, 1)
    assert QuotaFile(path).usage("acme", days=RETENTION_DAYS + 2) == []


def test_a_file_that_cannot_be_opened_is_quota_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    quotas = QuotaFile(tmp_path / "a-file" / "quotas.sqlite3")
    with pytest.raises(QuotaUnavailable, match="cannot open quota file"):
        quotas.lease("acme", today(), 1, quota=1)
    with pytest.raises(QuotaUnavailable):
        quotas.usage(None, days=1)
