"""Escalations through the app in-process: a matching answer becomes one event carrying the
caller's reference and not the text; bad references are 4xx; Lambda sends before returning."""

import json
import time
from pathlib import Path
from typing import Any

import pytest

from handlers.cli.replay import LocalLambdaContext
from handlers.http.app import create_app
from shared.events.rules import rules_key
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient, serving, two_model_store
from tests.support.lambda_entry import fresh_entry

ANGRY_TEXT = "Terrible, awful, broken. I hate it."
HAPPY_TEXT = "I absolutely love this, it is wonderful!"
ANGRY = {"name": "angry-customer", "when": {"kind": "classification", "label": "negative"}}


def set_rules(store: LocalStore, *rules: dict[str, Any]) -> None:
    store.write(rules_key("sentiment"), json.dumps({"rules": list(rules)}).encode())


def events_in(path: Path, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The events in the file once it holds `count` (or what it holds at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    return tmp_path / "events" / "escalations.jsonl"


def service(store: LocalStore, events_file: Path) -> Any:
    return serving(store, events_file=events_file, events_rules_refresh_seconds=0.1)


def wait_for_rules(client: TestClient, count: int = 1) -> None:
    book = client.app.state.escalations.book  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while len(book.rules_for("sentiment")) != count:
        assert time.monotonic() < deadline, "rules not loaded"
        time.sleep(0.05)


def test_an_angry_review_becomes_one_event_with_its_ticket_and_without_its_text(
    local_store: LocalStore, events_file: Path
) -> None:
    # GIVEN the angry-customer rule in the store
    set_rules(local_store, ANGRY)
    with service(local_store, events_file) as client:
        wait_for_rules(client)
        # WHEN a happy review, then an angry one with a ticket, are predicted
        happy = client.post("/predict", json={"text": HAPPY_TEXT})
        angry = client.post(
            "/predict",
            json={"text": ANGRY_TEXT, "metadata": {"ticket": "T-1042", "priority": 2}},
            headers={"X-Request-Id": "req-angry"},
        )
        [event] = events_in(events_file, 1)
    # THEN the answers are the usual ones (no metadata echoed)
    assert happy.status_code == angry.status_code == 200
    assert set(angry.json()) == {"text", "sentiment", "confidence", "model_version"}
    assert angry.json()["sentiment"] == "negative"
    # AND only the angry one raised an event, with the reference and not the text
    assert event["rule"] == "angry-customer" and event["request_id"] == "req-angry"
    assert event["metadata"] == {"ticket": "T-1042", "priority": 2}
    assert (event["model"], event["kind"], event["label"]) == (
        "sentiment",
        "classification",
        "negative",
    )
    assert event["version"] == angry.json()["model_version"]
    assert event["confidence"] == angry.json()["confidence"]
    assert "text" not in event and ANGRY_TEXT not in json.dumps(event)
    assert event["time"].endswith("Z") and event["client"] is None
    assert len(events_in(events_file, 2, timeout=0.5)) == 1


def test_the_reference_header_and_a_rule_that_asks_for_the_text(
    local_store: LocalStore, events_file: Path
) -> None:
    set_rules(local_store, {**ANGRY, "include_text": True})
    with service(local_store, events_file) as client:
        wait_for_rules(client)
        headers = {"X-Reference": "TICKET-7"}
        assert (
            client.post("/predict", json={"text": ANGRY_TEXT}, headers=headers).status_code == 200
        )
        body = {"instances": [{"text": HAPPY_TEXT}, {"text": ANGRY_TEXT}], "metadata": {"a": 1}}
        assert client.post("/models/sentiment/predict", json=body).status_code == 200
        batch = {"items": [{"text": ANGRY_TEXT}, {"text": ""}], "metadata": {"b": True}}
        assert (
            client.post("/models/sentiment/predict/batch", json=batch, headers=headers).status_code
            == 200
        )
        first, second, third = events_in(events_file, 3)
    assert first["metadata"] == {"reference": "TICKET-7"} and first["text"] == ANGRY_TEXT
    assert second["metadata"] == {"a": 1} and second["item"] == 1  # the angry instance
    assert third["metadata"] == {"reference": "TICKET-7", "b": True}
    assert third["text_truncated"] is False


@pytest.mark.parametrize(
    ("path", "body", "headers", "loc"),
    [
        ("/predict", {"text": "x", "metadata": {"t": {"n": 1}}}, {}, ["body", "metadata"]),
        ("/predict", {"text": "x", "metadata": "T-1"}, {}, ["body", "metadata"]),
        (
            "/models/sentiment/predict",
            {"text": "x", "metadata": {"bad key": 1}},
            {},
            ["body", "metadata", "bad key", "[key]"],
        ),
        (
            "/models/sentiment/predict",
            {"instances": [{"text": "x"}], "metadata": [1]},
            {},
            ["body", "metadata"],
        ),
        (
            "/models/sentiment/predict",
            {"instances": [{"text": "x", "metadata": {"t": 1}}]},
            {},
            ["body", "instances", 0, "metadata"],
        ),
        ("/predict", {"text": "x"}, {"X-Reference": "x" * 129}, ["header", "X-Reference"]),
        ("/predict", {"text": "x"}, {"X-Reference": " padded "}, ["header", "X-Reference"]),
    ],
)
def test_a_bad_reference_is_a_422_naming_it(
    local_store: LocalStore,
    events_file: Path,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    loc: list[Any],
) -> None:
    with service(local_store, events_file) as client:
        response = client.post(path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert loc in [problem["loc"][: len(loc)] for problem in response.json()["detail"]]


def test_the_document_offers_metadata_and_the_reference_header(local_store: LocalStore) -> None:
    with serving(local_store) as client:
        spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/models/sentiment/predict"]["post"]
    single, instances = operation["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert single["properties"]["metadata"]["maxProperties"] == 16
    assert instances["properties"]["metadata"]["additionalProperties"] is False
    item = instances["properties"]["instances"]["items"]["oneOf"][0]
    assert "metadata" not in item["properties"]  # an instance is input only
    assert "metadata" in spec["components"]["schemas"]["PredictRequest"]["properties"]
    for path in ("/predict", "/models/sentiment/predict", "/models/{name}/predict/batch"):
        names = [p["name"] for p in spec["paths"][path]["post"]["parameters"]]
        assert "X-Reference" in names


def test_lambda_sends_an_invocations_events_before_it_returns(
    local_store: LocalStore, events_file: Path
) -> None:
    # GIVEN the Lambda entry over a store with the rule, no thread of its own
    set_rules(local_store, ANGRY)
    settings = Settings(model_dir=local_store.root, events_file=events_file)
    event = json.loads((Path(__file__).parents[4] / "events" / "apigw-v2-predict.json").read_text())
    event["body"] = json.dumps({"text": ANGRY_TEXT, "metadata": {"ticket": "L-1"}})
    event["headers"].pop("content-length")
    with fresh_entry(create_app(settings, local_store)) as handler:
        # WHEN one invocation predicts an angry review
        response = handler(event, LocalLambdaContext())
        # THEN its event is in the file the moment the invocation has returned
        assert response["statusCode"] == 200
        lines = events_file.read_text().splitlines()
    assert [json.loads(line)["metadata"] for line in lines] == [{"ticket": "L-1"}]


def test_a_tabular_models_metadata_is_the_reference_not_a_feature(
    tmp_path: Path, sentiment_model_dir: Path, events_file: Path
) -> None:
    # GIVEN the tabular risk model with a rule on every answer it gives
    store = two_model_store(tmp_path, sentiment_model_dir)
    rule = {"name": "any-risk", "when": {"kind": "classification", "min_confidence": 0.0}}
    store.write(rules_key("risk"), json.dumps({"rules": [rule]}).encode())
    with service(store, events_file) as client:
        book = client.app.state.escalations.book
        deadline = time.monotonic() + 10
        while not book.rules_for("risk"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        row = client.app.state.registry.get("risk").manifest.sample.input
        # WHEN its row comes with metadata THEN it is answered as the row alone
        response = client.post("/models/risk/predict", json={**row, "metadata": {"case": "C-3"}})
        assert response.status_code == 200, response.text
        [event] = events_in(events_file, 1)
    assert event["model"] == "risk" and event["metadata"] == {"case": "C-3"}
    assert event["label"] == response.json()["label"]
