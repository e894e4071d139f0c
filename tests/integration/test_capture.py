"""Sampled capture and feedback over real HTTP: uvicorn, and moto's server for Firehose, S3 and
DynamoDB.

What moto's Firehose does: PutRecordBatch on a DirectPut stream with an extended S3 destination
writes each call's records, concatenated as sent, to ONE object under the destination's Prefix
taken literally plus `YYYY/MM/DD/HH/`; it stores the dynamic partitioning and JQ processor
configuration but applies neither (the `!{partitionKeyFromQuery:...}` stays in the key), and it
never refuses a record. So here the records are read back from moto's S3 and the stream's own JQ
query (from iac/capture.tf) is run on each with the `jq` package, rendering the prefix Firehose
would make; it must be the folder the local writer uses. Partial refusals are tested against a
recording client in tests/unit/shared/capture/test_firehose.py.
"""

import hashlib
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import jq
import pytest

from handlers.cli import keys_admin
from model_build.release.publish import publish
from shared.auth.keys import ClientRecord
from shared.capture.receipts import receipt_key
from shared.capture.records import FEEDBACK, PREDICTIONS, folder
from shared.store.local import LocalStore
from tests.support.capture import (
    create_capture_streams,
    create_receipts_table,
    local_records,
    s3_records,
    stream_configs,
)
from tests.support.emf import emf_documents
from tests.support.servers import RunningServer, moto_server, uvicorn_server

pytestmark = pytest.mark.integration
BUCKET, TABLE = "capture-bucket", "receipts"
STREAMS = {PREDICTIONS: "inferno-capture-predictions", FEEDBACK: "inferno-capture-feedback"}
PLACEHOLDER = re.compile(r"!\{partitionKeyFromQuery:([a-z]+)\}")
TEXTS = [
    "The new dashboard is fantastic, setup took two minutes!",
    "Support never answered my ticket and the app keeps crashing on login.",
    "Honestly the best customer service I've had in years, thank you so much.",
    "I waited forty minutes on hold just to be told to call back tomorrow.",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> LocalStore:
    store = LocalStore(tmp_path_factory.mktemp("capture") / "store")
    publish(sentiment_model_dir, store)
    return store


def emitted(log: str, metric: str) -> dict[tuple[str, ...], list[float]]:
    """Every value of `metric` in the EMF the server wrote, by its dimension values."""
    found: dict[tuple[str, ...], list[float]] = {}
    for document in emf_documents(log):
        if metric in document:
            [names] = document["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
            key = tuple(document[name] for name in names if name != "service")
            found.setdefault(key, []).extend(document[metric])
    return found


def render(prefix: str, keys: dict[str, str]) -> str:
    """The prefix Firehose makes of a record's partition keys."""
    return PLACEHOLDER.sub(lambda match: keys[match.group(1)], prefix)


def four(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return records if len(records) == 4 else []


def wait_until(check: Any, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def aws() -> Iterator[tuple[str, Any, Any, Any]]:
    with moto_server() as endpoint:
        httpx.post(endpoint + "/moto-api/reset")  # moto's backends outlive one server
        s3, firehose = boto3.client("s3", endpoint_url=endpoint), None
        firehose = boto3.client("firehose", endpoint_url=endpoint)
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint)
        create_capture_streams(firehose, s3, BUCKET, STREAMS)
        create_receipts_table(dynamodb, TABLE)
        yield endpoint, s3, firehose, dynamodb


def test_captured_predictions_and_feedback_land_in_s3_through_firehose(
    tmp_path: Path, store: LocalStore, aws: tuple[str, Any, Any, Any]
) -> None:
    endpoint, s3, _, dynamodb = aws
    # GIVEN the service capturing every request to Firehose, receipts in DynamoDB
    env = {
        "MODEL_DIR": str(store.root),
        "AWS_ENDPOINT_URL_FIREHOSE": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "CAPTURE_SAMPLE_RATE": "1",
        "CAPTURE_PREDICTIONS_STREAM": STREAMS[PREDICTIONS],
        "CAPTURE_FEEDBACK_STREAM": STREAMS[FEEDBACK],
        "RECEIPT_TABLE_NAME": TABLE,
        "CAPTURE_FLUSH_SECONDS": "0.2",
    }
    with uvicorn_server(env, tmp_path / "server.log") as server:
        # WHEN texts are predicted one by one and as a batch
        answers = {}
        for text in TEXTS[:3]:
            response = httpx.post(server.url + "/predict", json={"text": text})
            answers[response.headers["x-request-id"]] = response.json()
        batch = httpx.post(
            server.url + "/models/sentiment/predict/batch",
            json={"items": [{"text": t} for t in TEXTS]},
        )
        # AND the first prediction gets its true label
        first_id, first = next(iter(answers.items()))
        feedback = httpx.post(
            server.url + "/feedback", json={"request_id": first_id, "label": first["sentiment"]}
        )
        assert feedback.status_code == 202, feedback.text
        # THEN every request is one record in S3, keyed by its request id
        captured = wait_until(lambda: four(s3_records(s3, BUCKET, "capture/predictions/")))
        feedbacks = wait_until(lambda: s3_records(s3, BUCKET, "capture/feedback/"))
    by_id = {record["request_id"]: record for record in captured}
    assert set(by_id) == {*answers, batch.headers["x-request-id"]}
    for request_id, answer in answers.items():
        record = by_id[request_id]
        assert record["inputs"] == [{"text": answer["text"]}]
        assert record["outputs"][0]["label"] == answer["sentiment"]
        assert (record["model"], record["version"]) == ("sentiment", answer["model_version"])
    assert len(by_id[batch.headers["x-request-id"]]["outputs"]) == len(TEXTS)
    # AND Firehose's partitioning files each record where the local writer would
    for stream, records in ((PREDICTIONS, captured), (FEEDBACK, feedbacks)):
        config = stream_configs()[stream]
        for record in records:
            keys = jq.compile(config["query"]).input_value(record).first()
            assert render(config["prefix"], keys) == f"capture/{folder(stream, record)}"
    # AND moto filed them under the prefix as written (it does not partition)
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="capture/predictions/")["Contents"]
    assert all("!{partitionKeyFromQuery:model}" in item["Key"] for item in listed)
    # AND the feedback is captured beside them, joined by request id
    [label] = feedbacks
    assert label == {**label, "request_id": first_id, "label": first["sentiment"], "value": None}
    assert label["version"] == by_id[first_id]["version"]
    # AND every prediction's receipt is in DynamoDB, with its answer
    item = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": receipt_key(None, first_id)}})
    assert item["Item"]["answer"] == {"S": first["sentiment"]}
    # AND the right label scored 1 for that model and version; both streams were counted
    version = first["model_version"]
    assert emitted(server.log(), "LiveQuality") == {("sentiment", version): [1.0]}
    captured_counts = emitted(server.log(), "CapturedCount")
    assert sum(captured_counts[("sentiment", PREDICTIONS)]) == 4
    assert sum(captured_counts[("sentiment", FEEDBACK)]) == 1


def test_local_capture_at_ten_percent_captures_about_a_tenth(
    tmp_path: Path, store: LocalStore
) -> None:
    # GIVEN the service capturing 10% of requests to a directory, texts hashed, sampling seeded
    seed, requests = 2112, 1000
    capture = tmp_path / "capture"
    env = {
        "MODEL_DIR": str(store.root),
        "CAPTURE_DIR": str(capture),
        "CAPTURE_SAMPLE_RATE": "0.1",
        "CAPTURE_SEED": str(seed),
        "CAPTURE_TEXT": "hash",
        "RECEIPTS_PATH": str(tmp_path / "receipts.sqlite3"),
    }
    sent: dict[str, str] = {}
    with uvicorn_server(env, tmp_path / "server.log") as server, httpx.Client() as client:
        # WHEN 1,000 predictions are asked for, one after another
        for i in range(requests):
            text = f"{TEXTS[i % len(TEXTS)]} #{i}"
            response = client.post(server.url + "/predict", json={"text": text})
            assert response.status_code == 200
            sent[response.headers["x-request-id"]] = text
    # THEN (after the shutdown flush) about a tenth were captured: within 4 standard deviations
    files = local_records(capture, PREDICTIONS)
    records = [record for found in files.values() for record in found]
    sigma = (requests * 0.1 * 0.9) ** 0.5
    assert abs(len(records) - requests * 0.1) <= 4 * sigma, len(records)
    # AND exactly the requests the seeded draw picked, in order
    draw = random.Random(seed)
    picked = [request_id for request_id in sent if draw.random() < 0.1]
    assert [record["request_id"] for record in records] == picked
    # AND each holds the text's sha256, never the text, filed by its hour
    for record in records:
        expected = hashlib.sha256(sent[record["request_id"]].encode()).hexdigest()
        assert record["inputs"] == [{"text_sha256": expected}]
    for path, found in files.items():
        assert path.parent.relative_to(capture).as_posix() + "/" == folder(PREDICTIONS, found[0])
    assert not any(text in path.read_text() for path in files for text in TEXTS)


def post_feedback(server: RunningServer, key: str | None, body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(server.url + "/feedback", json=body, headers=headers)


def test_feedback_is_joined_to_the_clients_own_predictions_across_workers(
    tmp_path: Path, store: LocalStore
) -> None:
    # GIVEN two clients, a slow third, and a server of two workers sharing receipts (SQLite)
    acme = keys_admin.create(store, ClientRecord(name="acme"))
    globex = keys_admin.create(store, ClientRecord(name="globex"))
    slow = keys_admin.create(store, ClientRecord(name="slow", rate=1 / 60, burst=1))
    capture = tmp_path / "capture"
    env = {
        "MODEL_DIR": str(store.root),
        "AUTH_MODE": "keys",
        "WEB_CONCURRENCY": "2",  # uvicorn's --workers, and what the receipts know of them
        "CAPTURE_DIR": str(capture),
        "RECEIPTS_PATH": str(tmp_path / "receipts.sqlite3"),
        "CAPTURE_FLUSH_SECONDS": "0.5",
    }
    with uvicorn_server(env, tmp_path / "server.log") as server:
        # WHEN acme labels each of 20 predictions at once, on new connections (either worker),
        # right for even ones and wrong for odd ones
        results, versions = [], set()
        for i in range(20):
            answer = httpx.post(
                server.url + "/predict",
                json={"text": TEXTS[i % len(TEXTS)]},
                headers={"Authorization": f"Bearer {acme}"},
            )
            request_id, label = answer.headers["x-request-id"], answer.json()["sentiment"]
            versions.add(answer.json()["model_version"])
            wrong = "neutral" if label != "neutral" else "positive"
            body = {"request_id": request_id, "label": label if i % 2 == 0 else wrong}
            results.append(post_feedback(server, acme, body).status_code)
        # THEN every label is accepted, whichever worker answered the prediction
        assert results == [202] * 20
        # AND globex may not label acme's prediction: 404, as for an id nobody used
        theirs = post_feedback(server, globex, {"request_id": request_id, "label": "positive"})
        nobody = post_feedback(server, globex, {"request_id": "never-used", "label": "positive"})
        assert theirs.status_code == nobody.status_code == 404
        assert theirs.json()["detail"].replace(request_id, "X") == nobody.json()["detail"].replace(
            "never-used", "X"
        )
        # AND without a key there is no feedback at all
        assert (
            post_feedback(server, None, {"request_id": request_id, "label": "x"}).status_code == 401
        )
        # AND bad feedback gets a 4xx with a JSON reason, never a 5xx
        bad: list[tuple[dict[str, Any], int]] = [
            ({"request_id": request_id, "label": "delighted"}, 422),
            ({"request_id": request_id, "label": "positive", "value": 1}, 422),
            ({"request_id": request_id, "value": 3.5}, 422),
            ({"request_id": "white space", "label": "positive"}, 422),
        ]
        for body, status in bad:
            response = post_feedback(server, acme, body)
            assert response.status_code == status and response.json()["detail"], response.text
        malformed = httpx.post(
            server.url + "/feedback",
            content=b'{"request_id": "x", "value": NaN}',
            headers={"Authorization": f"Bearer {acme}", "content-type": "application/json"},
        )
        assert malformed.status_code == 422
        # AND feedback counts against the client's rate like any request (one connection: one
        # worker, whose limiter allows this key one request a minute)
        with httpx.Client(headers={"Authorization": f"Bearer {slow}"}) as client:
            body = {"request_id": "x", "label": "positive"}
            statuses = [
                client.post(server.url + "/feedback", json=body).status_code for _ in range(2)
            ]
        assert statuses == [404, 429]
    # AND (after shutdown) the scores joined the right answers: 10 right, 10 wrong
    [version] = versions
    scores = emitted(server.log(), "LiveQuality")[("sentiment", version)]
    assert sorted(scores) == [0.0] * 10 + [1.0] * 10
    assert sum(emitted(server.log(), "FeedbackCount")[("sentiment", version)]) == 20
    # AND both workers answered predictions and feedback (each flushes its own EMF), so labels
    # reached a worker other than the one holding the prediction's pending receipt
    per_worker = emitted(server.log(), "RequestCount")
    assert len(per_worker[("/predict",)]) == len(per_worker[("/feedback",)]) == 2
    # AND the feedback is captured with its client, beside the predictions
    feedback = [r for found in local_records(capture, FEEDBACK).values() for r in found]
    assert Counter(record["client"] for record in feedback) == {"acme": 20}
