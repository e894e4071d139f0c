"""Receipts on one machine: a SQLite file every worker of a server shares, expired rows purged
by whichever worker writes (for a fleet: receipt_dynamo.py)."""

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from shared.capture.receipts import Receipt
from shared.errors import ReceiptsUnavailable
from shared.observability import logger

_SCHEMA = """CREATE TABLE IF NOT EXISTS receipts (
    key TEXT PRIMARY KEY, client TEXT, request_id TEXT NOT NULL, model TEXT NOT NULL,
    version TEXT NOT NULL, kind TEXT NOT NULL, items INTEGER NOT NULL, answer TEXT,
    expires_at INTEGER NOT NULL) WITHOUT ROWID"""
_COLUMNS = "client, request_id, model, version, kind, items, answer, expires_at"
PURGE_EVERY_SECONDS = 600.0


class SQLiteReceipts:
    """One connection per thread (the writer's, and the threads lookups run on); WAL lets
    workers read while one writes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._purged = 0.0

    def put_many(self, receipts: list[Receipt]) -> list[Receipt]:
        rows = [(r.key, *_row(r)) for r in receipts]
        try:
            with self._connection() as connection:  # one transaction
                connection.executemany(
                    f"INSERT OR REPLACE INTO receipts (key, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                if time.monotonic() - self._purged > PURGE_EVERY_SECONDS:
                    connection.execute("DELETE FROM receipts WHERE expires_at < ?", (time.time(),))
                    self._purged = time.monotonic()
        except sqlite3.Error as exc:
            logger.warning(
                "Receipts not written", extra={"error": str(exc), "path": str(self.path)}
            )
            return receipts
        return []

    def get(self, key: str) -> Receipt | None:
        try:
            row = (
                self._connection()
                .execute(f"SELECT {_COLUMNS} FROM receipts WHERE key = ?", (key,))
                .fetchone()
            )
        except sqlite3.Error as exc:
            raise ReceiptsUnavailable(f"receipts cannot be read: {exc}") from exc
        if row is None:
            return None
        client, request_id, model, version, kind, items, answer, expires_at = row
        return Receipt(
            client, request_id, model, version, kind, items, json.loads(answer), expires_at
        )

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (the file and its table too): nothing
        is touched before a receipt is written or looked for."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise sqlite3.OperationalError(f"cannot create {self.path.parent}: {exc}") from exc
            connection = sqlite3.connect(self.path, timeout=5)
            connection.execute("PRAGMA journal_mode=WAL")
            # A commit per batch need not wait for the disk: a crash of the machine may lose the
            # last second of receipts (their feedback gets 404), never corrupt the file.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            self._local.connection = connection
        return connection


def _row(receipt: Receipt) -> tuple[Any, ...]:
    return (
        receipt.client,
        receipt.request_id,
        receipt.model,
        receipt.version,
        receipt.kind,
        receipt.items,
        json.dumps(receipt.answer),
        receipt.expires_at,
    )
