"""/models: describe every served model, predict one item, predict a batch, in-process."""

from typing import Any

import pytest

from model_build.release.artifacts import read_manifest
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient


@pytest.fixture(scope="module")
def risk_sample(served_store: LocalStore) -> dict[str, Any]:
    """The risk model's manifest sample: a valid item and the label it must get."""
    [version] = served_store.versions("risk")
    sample = read_manifest(served_store.root / "risk" / version).sample
    return {"input": dict(sample.input), "label": sample.expected_label}


def test_models_lists_both_with_schema_and_metrics(served: TestClient) -> None:
    # GIVEN both models loaded WHEN listed
    models = {m["name"]: m for m in served.get("/models").json()}
    # THEN each is described with its task, input schema and metrics
    assert set(models) == {"risk", "sentiment"}
    assert models["risk"]["task"] == "tabular-classification"
    assert models["risk"]["input_schema"]["features"][0]["name"] == "mean_radius"
    assert models["sentiment"]["input_schema"]["kind"] == "text"
    assert {"macro_f1", "accuracy"} <= set(models["sentiment"]["metrics"])


def test_one_model_is_described_by_name(served: TestClient) -> None:
    response = served.get("/models/risk")
    assert response.status_code == 200
    assert response.json()["labels"] == ["benign", "malignant"]
    assert response.json()["version"] == served.get("/models").json()[0]["version"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/models/fraud", None),
        ("POST", "/models/fraud/predict", {"x": 1}),
        ("POST", "/models/fraud/predict/batch", {"items": [{"x": 1}]}),
    ],
)
def test_an_unknown_model_is_a_404_listing_the_served_ones(
    served: TestClient, method: str, path: str, body: Any
) -> None:
    response = served.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Unknown model 'fraud'. Served models: risk, sentiment",
        "served_models": ["risk", "sentiment"],
    }


def test_the_sentiment_model_predicts_by_name_with_probabilities(served: TestClient) -> None:
    # GIVEN the sentiment model WHEN an item is posted to it by name
    body = served.post("/models/sentiment/predict", json={"text": "I love it"}).json()
    # THEN the answer names the model and version, with a probability per label
    assert body["label"] == "positive"
    assert body["model"] == "sentiment"
    assert body["version"] == served.get("/models/sentiment").json()["version"]
    assert set(body["probabilities"]) == {"negative", "neutral", "positive"}


def test_the_tabular_model_predicts_its_sample(
    served: TestClient, risk_sample: dict[str, Any]
) -> None:
    response = served.post("/models/risk/predict", json=risk_sample["input"])
    assert response.status_code == 200
    body = response.json()
    assert (body["model"], body["label"]) == ("risk", risk_sample["label"])
    assert set(body["probabilities"]) == {"benign", "malignant"}


def test_a_missing_feature_is_a_422_naming_it(
    served: TestClient, risk_sample: dict[str, Any]
) -> None:
    item = {**risk_sample["input"]}
    del item["mean_symmetry"]
    response = served.post("/models/risk/predict", json=item)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "mean_symmetry"], "msg": "field required", "type": "missing"}
    ]


def test_an_item_the_model_cannot_take_is_a_422(served: TestClient) -> None:
    response = served.post("/models/sentiment/predict", json={"text": ""})
    assert response.status_code == 422


def test_a_batch_is_answered_in_order_with_invalid_items_by_index(served: TestClient) -> None:
    # GIVEN valid and invalid items in one batch WHEN posted
    items: list[Any] = [{"text": "great stuff"}, {"text": ""}, "not an object"]
    response = served.post("/models/sentiment/predict/batch", json={"items": items})
    # THEN every item is answered at its index: a prediction or the reason it has none
    assert response.status_code == 200
    body = response.json()
    assert (body["model"], body["version"]) == (
        "sentiment",
        served.get("/models/sentiment").json()["version"],
    )
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert results[0]["prediction"]["label"] == "positive" and results[0]["error"] is None
    assert results[1]["prediction"] is None and "empty" in results[1]["error"][0]["msg"]
    assert results[2]["prediction"] is None and "JSON object" in results[2]["error"][0]["msg"]
    # AND a batch item gets the same answer as the item alone
    single = served.post("/models/sentiment/predict", json={"text": "great stuff"}).json()
    assert results[0]["prediction"]["probabilities"] == single["probabilities"]


@pytest.mark.parametrize(("count", "status"), [(0, 422), (256, 200), (257, 422)])
def test_a_batch_holds_one_to_max_batch_size_items(
    served: TestClient, count: int, status: int
) -> None:
    response = served.post(
        "/models/sentiment/predict/batch", json={"items": [{"text": "a"}] * count}
    )
    assert response.status_code == status, response.text
    if count > 256:
        assert "limit is 256" in str(response.json()["detail"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/models/sentiment/predict", {"text": "hello"}),
        ("/models/sentiment/predict/batch", {"items": [{"text": "hello"}]}),
        ("/models/sentiment", None),
    ],
)
def test_the_default_model_is_503_before_it_is_loaded(
    unloaded: TestClient, path: str, body: Any
) -> None:
    response = unloaded.request("POST" if body else "GET", path, json=body)
    assert response.status_code == 503
    assert "not loaded" in response.json()["detail"]
