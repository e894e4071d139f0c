"""Capture and feedback through the Lambda entry: an execution environment's threads are frozen
between invocations, so what an invocation queued is written before it returns."""

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.cli.replay import LocalLambdaContext, load_events
from handlers.http.app import create_app
from model_build.release.publish import publish
from shared.capture.receipt_sqlite import SQLiteReceipts
from shared.capture.receipts import receipt_key
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.capture import local_records
from tests.support.lambda_entry import Handler, fresh_entry

EVENTS = Path(__file__).resolve().parents[3] / "events"
PREDICT = next(case for case in load_events(EVENTS) if case.name == "apigw-v2-predict").event


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lambda-capture")


@pytest.fixture(scope="module")
def handler(root: Path, sentiment_model_dir: Path) -> Iterator[Handler]:
    store = LocalStore(root / "store")
    publish(sentiment_model_dir, store, alias="production")
    settings = Settings(
        model_dir=store.root,
        capture_sample_rate=1.0,
        capture_dir=root / "capture",
        receipts_path=root / "receipts.sqlite3",
        capture_flush_seconds=3600,  # the writer threads would not write within this test
    )
    with fresh_entry(create_app(settings, store)) as entry:
        yield entry


def event(path: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
    found = copy.deepcopy(PREDICT)
    found["rawPath"] = found["requestContext"]["http"]["path"] = path
    found["body"] = json.dumps(body)
    found["headers"]["x-request-id"] = request_id
    found["headers"].pop("content-length")
    return found


def test_an_invocation_writes_its_capture_and_receipt_before_it_returns(
    handler: Handler, root: Path
) -> None:
    # GIVEN a prediction invoked through the Lambda entry
    text = {"text": "I absolutely love this, it is wonderful and works perfectly!"}
    answer = handler(event("/predict", text, "lambda-1"), LocalLambdaContext())
    assert answer["statusCode"] == 200
    label = json.loads(answer["body"])["sentiment"]
    # THEN as soon as it returns, its record is captured and its receipt kept
    [record] = [
        r for found in local_records(root / "capture", "predictions").values() for r in found
    ]
    assert (record["request_id"], record["outputs"][0]["label"]) == ("lambda-1", label)
    kept = SQLiteReceipts(root / "receipts.sqlite3").get(receipt_key(None, "lambda-1"))
    assert kept is not None and kept.answer == label
    # AND a later invocation (another environment, even) takes its feedback
    body = {"request_id": "lambda-1", "label": label}
    feedback = handler(event("/feedback", body, "lambda-2"), LocalLambdaContext())
    assert feedback["statusCode"] == 202, feedback["body"]
    [truth] = [r for found in local_records(root / "capture", "feedback").values() for r in found]
    assert (truth["request_id"], truth["label"]) == ("lambda-1", label)
