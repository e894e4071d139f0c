"""The SQLite file counting daily quotas and usage for the processes of one machine.

What QuotaTable is to the fleet, for a laptop or a single host: the same rows and the same
promise, `leased` never passes the quota. Each read-then-write runs in one `BEGIN IMMEDIATE`
transaction, and SQLite lets one writer in at a time, so uvicorn's workers sharing the file take
turns as DynamoDB's conditional writes make the fleet do. WAL lets `keys usage` read meanwhile.
"""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.auth.quota_store import RETENTION_DAYS, UsageRow, first_day
from shared.errors import QuotaUnavailable

# A writer holds the lock for well under a millisecond; waiting longer means something is wrong.
_BUSY_TIMEOUT_SECONDS = 5.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS quota (
    client TEXT NOT NULL,
    day TEXT NOT NULL,
    leased INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    items INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client, day)
) WITHOUT ROWID
"""
_ADD = """
INSERT INTO quota (client, day, leased, requests, items) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (client, day) DO UPDATE SET
    leased = leased + excluded.leased,
    requests = requests + excluded.requests,
    items = items + excluded.items
"""


class QuotaFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    def lease(self, client: str, day: str, want: int, quota: int) -> int:
        want = min(want, quota)
        with self._transaction() as db:
            row = db.execute(
                "SELECT leased FROM quota WHERE client = ? AND day = ?", (client, day)
            ).fetchone()
            leased = row[0] if row else 0
            granted = want if leased + want <= quota else max(0, quota - leased)
            if granted:
                db.execute(_ADD, (client, day, granted, 0, 0))
        return granted

    def release(self, client: str, day: str, unused: int) -> None:
        with self._transaction() as db:
            db.execute(_ADD, (client, day, -unused, 0, 0))

    def add_usage(self, client: str, day: str, requests: int, items: int) -> None:
        with self._transaction() as db:
            db.execute(_ADD, (client, day, 0, requests, items))

    def usage(self, client: str | None, days: int) -> list[UsageRow]:
        query = "SELECT client, day, requests, items, leased FROM quota WHERE day >= ?"
        params = [first_day(days)]
        if client:
            query += " AND client = ?"
            params.append(client)
        with self._transaction("BEGIN") as db:  # a read: no write lock taken
            rows = db.execute(query + " ORDER BY client, day", params).fetchall()
        return [
            UsageRow(client=c, day=d, requests=r, items=i, leased=le) for c, d, r, i, le in rows
        ]

    @contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction on a connection of its own: leases and flushes run on several
        threads, and a connection opened per call is never carried across a fork. IMMEDIATE
        takes the write lock first, so no other writer comes between a read and its write."""
        try:
            db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise QuotaUnavailable(f"cannot open quota file {self.path}: {exc}") from exc
        try:
            db.execute(begin)
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise QuotaUnavailable(f"cannot update quota file {self.path}: {exc}") from exc
        finally:
            db.close()  # an uncommitted transaction is rolled back

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the transactions are the explicit ones above.
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        if not self._ready:
            try:
                self._prepare(db)
            except sqlite3.Error:
                db.close()
                raise
            self._ready = True
        return db

    @staticmethod
    def _prepare(db: sqlite3.Connection) -> None:
        """Once per process: WAL (kept by the file), the table, and rows past retention gone.

        Workers started together race to turn a new file to WAL, and SQLite answers that race
        with "database is locked" at once, without its busy wait: so the loser tries again."""
        deadline = time.monotonic() + _BUSY_TIMEOUT_SECONDS
        while True:
            try:
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        oldest = (datetime.now(UTC).date() - timedelta(days=RETENTION_DAYS)).isoformat()
        db.execute("BEGIN IMMEDIATE")  # the busy wait applies to a writer taking its lock
        db.execute(_SCHEMA)
        db.execute("DELETE FROM quota WHERE day < ?", (oldest,))
        db.execute("COMMIT")
