"""Receipts: found only by the client that made the prediction, across processes sharing the
store, until they expire; in SQLite and in DynamoDB (moto)."""

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.capture.receipt_dynamo import DynamoReceipts
from shared.capture.receipt_sqlite import SQLiteReceipts
from shared.capture.receipts import Receipt, ReceiptBook, receipt_key
from shared.errors import ReceiptsUnavailable
from shared.kinds.classification import ModelPrediction
from shared.kinds.regression import RegressionPrediction
from shared.observability import metrics
from shared.serving.answers import Answer
from tests.support.capture import create_receipts_table

HOUR = 3600.0


def receipt(
    client: str | None, request_id: str, answer: str | float | None = "positive"
) -> Receipt:
    return Receipt(
        client, request_id, "sentiment", "v1", "classification", 1, answer, int(time.time() + HOUR)
    )


def prediction(client: str | None, request_id: str | None, items: int = 1) -> Answer:
    output = ModelPrediction(label="positive", confidence=0.9, probabilities={})
    return Answer(
        "sentiment", "v1", "classification", ["hi"] * items, [output] * items, client, request_id
    )


@pytest.fixture
def dynamo() -> Iterator[DynamoReceipts]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_receipts_table(client, "receipts")
        yield DynamoReceipts("receipts", client)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        return SQLiteReceipts(tmp_path / "receipts.sqlite3")
    return request.getfixturevalue("dynamo")


def test_a_receipt_is_found_under_its_client_and_request_id_only(store: Any) -> None:
    # GIVEN two clients that used the same request id, and an anonymous prediction
    kept = [receipt("acme", "r1"), receipt("globex", "r1", 3.25), receipt(None, "r2", None)]
    # WHEN they are kept (more than one BatchWriteItem's 25)
    others = [receipt("acme", f"bulk-{i}") for i in range(60)]
    assert store.put_many(kept + others) == []
    # THEN each is found under its own client, unchanged, and never under another's
    for one in kept + others[::7]:
        assert store.get(receipt_key(one.client, one.request_id)) == one
    assert store.get(receipt_key("initech", "r1")) is None
    assert store.get(receipt_key(None, "r1")) is None
    assert store.get(receipt_key("acme", "r2")) is None


def test_an_unreachable_store_loses_writes_and_refuses_reads(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    store = SQLiteReceipts(blocked / "receipts.sqlite3")
    lost = receipt("acme", "r1")  # one receipt: two could straddle a second of their expiry
    assert store.put_many([lost]) == [lost]
    with pytest.raises(ReceiptsUnavailable):
        store.get(receipt_key("acme", "r1"))
    with mock_aws():
        missing = DynamoReceipts("no-such-table", boto3.client("dynamodb"))
        assert len(missing.put_many([receipt("acme", "r1")])) == 1
        with pytest.raises(ReceiptsUnavailable):
            missing.get(receipt_key("acme", "r1"))


def test_the_book_finds_a_receipt_before_and_after_it_is_written(tmp_path: Path) -> None:
    # GIVEN two workers' books on one SQLite file
    path = tmp_path / "receipts.sqlite3"
    mine = ReceiptBook(SQLiteReceipts(path), HOUR, 100, interval=60)
    other = ReceiptBook(SQLiteReceipts(path), HOUR, 100, interval=0.05)
    # WHEN a prediction's receipt is kept THEN this worker finds it at once (not written yet)
    mine.keep(prediction("acme", "r1"))
    found = asyncio.run(mine.find("acme", "r1"))
    assert found is not None and found.answer == "positive" and found.items == 1
    assert asyncio.run(other.find("acme", "r1")) is None
    # AND once written, the other worker finds it too; another client never does
    mine.batches.flush()
    assert asyncio.run(other.find("acme", "r1")) == found
    assert asyncio.run(other.find("globex", "r1")) is None
    mine.batches.stop()
    other.batches.stop()


def test_a_receipt_that_arrives_within_an_interval_is_still_found(tmp_path: Path) -> None:
    # GIVEN a receipt another worker writes shortly after the feedback arrives
    path = tmp_path / "receipts.sqlite3"
    book = ReceiptBook(SQLiteReceipts(path), HOUR, 100, interval=0.4)
    writer = SQLiteReceipts(path)
    late = receipt("acme", "r1")
    timer = threading.Timer(0.2, writer.put_many, [[late]])
    timer.start()
    # WHEN it is looked for THEN the book waits an interval and finds it
    assert asyncio.run(book.find("acme", "r1")) == late
    timer.join()


def test_expired_receipts_are_not_found_and_are_purged(tmp_path: Path) -> None:
    # GIVEN a receipt kept with a TTL already over
    store = SQLiteReceipts(tmp_path / "receipts.sqlite3")
    book = ReceiptBook(store, -1, 100, interval=0.01, shared=False)
    book.keep(prediction("acme", "r1"))
    # THEN it is not found, before or after it is written, and the write purged it
    assert asyncio.run(book.find("acme", "r1")) is None
    book.batches.flush()
    assert asyncio.run(book.find("acme", "r1")) is None
    assert store.get(receipt_key("acme", "r1")) is None
    book.batches.stop()


class Counting:
    """A store that only remembers what it was given."""

    def __init__(self) -> None:
        self.written: list[Receipt] = []

    def put_many(self, receipts: list[Receipt]) -> list[Receipt]:
        self.written += receipts
        return []

    def get(self, key: str) -> Receipt | None:
        return None


def test_a_prediction_without_a_request_id_leaves_no_receipt() -> None:
    store = Counting()
    book = ReceiptBook(store, HOUR, 100, interval=60)
    book.keep(prediction("acme", None))
    book.keep(prediction("acme", "r2"))
    book.batches.stop()
    assert [receipt.request_id for receipt in store.written] == ["r2"]


def test_a_full_book_counts_what_it_drops() -> None:
    class Unwritten:
        def put_many(self, receipts: list[Receipt]) -> list[Receipt]:
            return receipts

        def get(self, key: str) -> Receipt | None:
            return None

    metrics.drain()
    book = ReceiptBook(Unwritten(), HOUR, capacity=2, interval=60)
    for i in range(5):
        book.keep(prediction("acme", f"r{i}"))
    book.batches.stop()
    dropped = [d["ReceiptDropped"] for d in metrics.drain() if "ReceiptDropped" in d]
    assert sum(sum(values) for values in dropped) == 5  # 3 past the bound, 2 refused by the store


def test_a_receipt_holds_the_one_answer_of_a_single_item_request(tmp_path: Path) -> None:
    book = ReceiptBook(SQLiteReceipts(tmp_path / "receipts.sqlite3"), HOUR, 10, 60)
    book.keep(prediction("acme", "one"))
    book.keep(prediction("acme", "two", items=2))
    regression = Answer(
        "progression", "v2", "regression", [{}], [RegressionPrediction(value=151.2)], None, "x"
    )
    book.keep(regression)
    one, two, value = (
        asyncio.run(book.find(c, r)) for c, r in [("acme", "one"), ("acme", "two"), (None, "x")]
    )
    assert one is not None and one.answer == "positive"
    assert two is not None and (two.items, two.answer) == (2, None)
    assert value is not None and value.answer == 151.2 and value.client is None
    book.batches.stop()
