"""POST /feedback in-process: joined to the client's own prediction, scored, refused with a 4xx
JSON body when it does not fit. Receipts in a SQLite file, capture in a directory."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from model_build.examples.train_progression import train_progression
from model_build.release.publish import publish
from shared.observability import metrics
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient, serving

JSON = {"content-type": "application/json"}
TEXT = {"text": "I love this product, it is wonderful!"}


@pytest.fixture(scope="module")
def app_dirs(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("feedback")
    store = LocalStore(root / "store")
    publish(sentiment_model_dir, store)
    train_progression(root / "progression")
    publish(root / "progression", store)
    return root


@pytest.fixture(scope="module")
def client(app_dirs: Path) -> Iterator[TestClient]:
    with serving(
        LocalStore(app_dirs / "store"),
        receipts_path=app_dirs / "receipts.sqlite3",
        capture_dir=app_dirs / "capture",
        capture_flush_seconds=0.2,
    ) as client:
        yield client


def predicted(client: TestClient, path: str = "/predict", body: Any = TEXT) -> tuple[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.headers["x-request-id"], response.json()


def quality_values() -> dict[str, list[float]]:
    """LiveQuality values by model, from what the buffer holds (then emptied)."""
    found: dict[str, list[float]] = {}
    for document in metrics.drain():
        if "LiveQuality" in document:
            found.setdefault(document["model"], []).extend(document["LiveQuality"])
    return found


def test_a_label_is_joined_to_its_prediction_and_scored(client: TestClient) -> None:
    # GIVEN a prediction and its request id
    request_id, answer = predicted(client)
    metrics.drain()
    # WHEN the true label is sent, then a wrong one
    right = client.post("/feedback", json={"request_id": request_id, "label": answer["sentiment"]})
    wrong_label = "negative" if answer["sentiment"] != "negative" else "positive"
    wrong = client.post("/feedback", json={"request_id": request_id, "label": wrong_label})
    # THEN both are accepted, named by the model and version that answered
    assert right.status_code == wrong.status_code == 202
    assert right.json() == {
        "request_id": request_id,
        "model": "sentiment",
        "version": answer["model_version"],
    }
    # AND each scored the answer: right 1, wrong 0
    assert quality_values() == {"sentiment": [1.0, 0.0]}


def test_a_value_scores_the_absolute_error_of_a_regressor(client: TestClient) -> None:
    # GIVEN a regressor's answer
    features = {
        name: 0.01 for name in ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    }
    request_id, answer = predicted(client, "/models/progression/predict", features)
    metrics.drain()
    # WHEN the true value is sent
    response = client.post("/feedback", json={"request_id": request_id, "value": 100})
    # THEN it is accepted and scored by its absolute error
    assert response.status_code == 202
    [error] = quality_values()["progression"]
    assert error == pytest.approx(abs(answer["value"] - 100))


def test_feedback_is_captured_beside_the_predictions(client: TestClient, app_dirs: Path) -> None:
    # GIVEN feedback on a prediction
    request_id, answer = predicted(client)
    body = {"request_id": request_id, "label": answer["sentiment"]}
    assert client.post("/feedback", json=body).status_code == 202
    # WHEN the writer has written THEN the record is in the model's feedback folder
    client.app.state.capture.flush()  # type: ignore[attr-defined]
    lines = [
        json.loads(line)
        for path in (app_dirs / "capture" / "feedback" / "model=sentiment").glob("date=*/hour=*/*")
        for line in path.read_text().splitlines()
    ]
    [record] = [line for line in lines if line["request_id"] == request_id]
    assert record["label"] == answer["sentiment"] and record["value"] is None
    assert record["version"] == answer["model_version"] and record["client"] is None


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"request_id": "nobody-asked-this", "label": "positive"}, 404, "No prediction"),
        ({"request_id": "{id}", "label": "positive", "value": 1.0}, 422, "exactly one"),
        ({"request_id": "{id}"}, 422, "exactly one"),
        ({"request_id": "{id}", "label": "delighted"}, 422, "must be one of"),
        ({"request_id": "{id}", "value": 1.0}, 422, "send a `label`"),
        ({"request_id": "{id}", "label": 1}, 422, "valid string"),
        ({"request_id": "{id}", "label": "positive", "mood": "x"}, 422, "Extra inputs"),
        ({"request_id": "has spaces", "label": "positive"}, 422, "pattern"),
        ({"label": "positive"}, 422, "Field required"),
    ],
)
def test_feedback_that_does_not_fit_gets_a_4xx_with_a_json_reason(
    client: TestClient, body: dict[str, Any], status: int, reason: str
) -> None:
    # GIVEN a classifier's prediction
    request_id, _ = predicted(client)
    # WHEN feedback that does not fit it is sent
    sent = {k: v.replace("{id}", request_id) if isinstance(v, str) else v for k, v in body.items()}
    response = client.post("/feedback", json=sent)
    # THEN it is refused with the status and a JSON reason
    assert response.status_code == status, response.text
    assert reason in json.dumps(response.json())


@pytest.mark.parametrize(
    "content",
    [b'{"request_id": "{id}", "value": NaN}', b'{"request_id": "{id}", "value": Infinity}'],
)
def test_a_value_must_be_a_finite_number(client: TestClient, content: bytes) -> None:
    # GIVEN a regressor's prediction
    features = {
        name: 0.0 for name in ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    }
    request_id, _ = predicted(client, "/models/progression/predict", features)
    # WHEN a value that is not a finite number is sent THEN 422, never a 5xx
    response = client.post(
        "/feedback", content=content.replace(b"{id}", request_id.encode()), headers=JSON
    )
    assert response.status_code == 422, response.text
    assert "finite" in response.text


def test_a_batch_of_several_items_takes_no_feedback(client: TestClient) -> None:
    # GIVEN a batch of two texts
    request_id, _ = predicted(client, "/models/sentiment/predict/batch", {"items": [TEXT, TEXT]})
    # WHEN a label is sent for it THEN 422 says feedback names one item
    response = client.post("/feedback", json={"request_id": request_id, "label": "positive"})
    assert response.status_code == 422
    assert "2 items" in response.text


def test_malformed_feedback_gets_400(client: TestClient) -> None:
    response = client.post("/feedback", content=b'{"request_id": ', headers=JSON)
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]
