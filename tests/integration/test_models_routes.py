"""Two models side by side: text and tabular, single items and batches, over real HTTP."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.cli import keys_admin
from model_build.examples.train_risk import train_risk
from model_build.release.artifacts import read_manifest
from model_build.release.publish import publish
from shared.auth.keys import ClientRecord
from shared.store.local import LocalStore
from tests.support.servers import RunningServer, uvicorn_server


@pytest.fixture(scope="module")
def risk_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("risk") / "model"
    train_risk(directory)
    return directory


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path, risk_model_dir: Path
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("models")
    store = LocalStore(root / "store")
    publish(sentiment_model_dir, store)
    publish(risk_model_dir, store)
    with uvicorn_server(
        {"MODEL_DIR": str(store.root), "MAX_BATCH_SIZE": "256"}, root / "server.log"
    ) as running:
        yield running


def risk_sample(risk_model_dir: Path) -> dict[str, Any]:
    return dict(read_manifest(risk_model_dir).sample.input)


def test_models_lists_both_with_schema_and_metrics(server: RunningServer) -> None:
    models = {m["name"]: m for m in httpx.get(server.url + "/models").json()}
    assert set(models) == {"risk", "sentiment"}
    assert models["risk"]["task"] == "tabular-classification"
    assert models["risk"]["input_schema"]["features"][0]["name"] == "mean_radius"
    assert models["sentiment"]["input_schema"]["kind"] == "text"
    assert models["risk"]["metrics"]["macro_f1"] > 0.85
    assert httpx.get(server.url + "/models/risk").json()["labels"] == ["benign", "malignant"]


def test_the_tabular_model_predicts_with_probabilities(
    server: RunningServer, risk_model_dir: Path
) -> None:
    response = httpx.post(server.url + "/models/risk/predict", json=risk_sample(risk_model_dir))
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "risk"
    assert body["label"] == read_manifest(risk_model_dir).sample.expected_label
    assert set(body["probabilities"]) == {"benign", "malignant"}
    assert body["version"] == read_manifest(risk_model_dir).version


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mean_radius": -3.0}, "mean_radius", "below the minimum"),
        ({"mean_area": 1e9}, "mean_area", "above the maximum"),
        ({"mean_texture": "high"}, "mean_texture", "expected a number"),
        ({"mean_texture": None}, "mean_texture", "must not be null"),
        ({"unexpected": 1.0}, "unexpected", "unknown field"),
    ],
)
def test_bad_tabular_inputs_get_a_422_naming_the_field(
    server: RunningServer, risk_model_dir: Path, change: dict[str, Any], field: str, message: str
) -> None:
    item = {**risk_sample(risk_model_dir), **change}
    response = httpx.post(server.url + "/models/risk/predict", json=item)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert message in error["msg"]


def test_a_missing_feature_is_named(server: RunningServer, risk_model_dir: Path) -> None:
    item = risk_sample(risk_model_dir)
    del item["mean_symmetry"]
    response = httpx.post(server.url + "/models/risk/predict", json=item)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "mean_symmetry"], "msg": "field required", "type": "missing"}
    ]


def test_the_sentiment_model_is_served_by_name_too(server: RunningServer) -> None:
    body = httpx.post(server.url + "/models/sentiment/predict", json={"text": "I love it"}).json()
    assert body["label"] == "positive"
    assert (
        httpx.post(server.url + "/models/sentiment/predict", json={"text": ""}).status_code == 422
    )


def test_an_unknown_model_is_a_404_listing_the_served_ones(server: RunningServer) -> None:
    for response in (
        httpx.get(server.url + "/models/fraud"),
        httpx.post(server.url + "/models/fraud/predict", json={"x": 1}),
        httpx.post(server.url + "/models/fraud/predict/batch", json={"items": [{"x": 1}]}),
    ):
        assert response.status_code == 404
        assert response.json()["served_models"] == ["risk", "sentiment"]


def test_a_batch_is_answered_in_order_with_invalid_items_by_index(server: RunningServer) -> None:
    items: list[Any] = [
        {"text": "great stuff"},
        {"text": ""},
        {"text": "terrible"},
        "not an object",
        {"text": "meh, it's fine I guess"},
    ]
    response = httpx.post(server.url + "/models/sentiment/predict/batch", json={"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert results[0]["prediction"]["label"] == "positive"
    assert results[2]["prediction"]["label"] == "negative"
    assert results[1]["prediction"] is None and "empty" in results[1]["error"][0]["msg"]
    assert results[3]["prediction"] is None and "JSON object" in results[3]["error"][0]["msg"]
    single = httpx.post(
        server.url + "/models/sentiment/predict", json={"text": "great stuff"}
    ).json()
    assert results[0]["prediction"]["probabilities"] == single["probabilities"]


def test_batch_limits(server: RunningServer) -> None:
    too_many = httpx.post(
        server.url + "/models/sentiment/predict/batch", json={"items": [{"text": "a"}] * 257}
    )
    assert too_many.status_code == 422
    assert "limit is 256" in str(too_many.json()["detail"])
    assert (
        httpx.post(server.url + "/models/sentiment/predict/batch", json={"items": []}).status_code
        == 422
    )
    full = httpx.post(
        server.url + "/models/sentiment/predict/batch", json={"items": [{"text": "fine"}] * 256}
    )
    assert full.status_code == 200 and len(full.json()["results"]) == 256


def test_with_keys_ready_and_a_404_name_only_what_the_caller_may_use_and_say_what_never_passes(
    tmp_path: Path, sentiment_model_dir: Path, risk_model_dir: Path
) -> None:
    # GIVEN client keys on, two models served, and a key limited to the risk model (and to a
    # fraud model that is not served)
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store)
    publish(risk_model_dir, store)
    limited = keys_admin.create(store, ClientRecord(name="limited", models=["risk", "fraud"]))
    everything = keys_admin.create(store, ClientRecord(name="everything"))
    small = keys_admin.create(store, ClientRecord(name="small", item_burst=2))
    env = {"MODEL_DIR": str(store.root), "AUTH_MODE": "keys"}
    with uvicorn_server(env, tmp_path / "server.log") as server:

        def get(path: str, key: str | None = None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            return httpx.get(server.url + path, headers=headers)

        # WHEN the load balancer probes /ready THEN it learns the service is ready, and no more
        assert get("/ready").json() == {"status": "ready"}
        assert get("/ready", "inferno_sk_not-a-key").json() == {"status": "ready"}
        # AND a client learns only of the models its key may use
        assert get("/ready", limited).json() == {"status": "ready", "served_models": ["risk"]}
        assert get("/ready", everything).json()["served_models"] == ["risk", "sentiment"]
        assert get("/ready", everything).json()["model_name"] == "sentiment"
        # AND a 404 for a model its key names but nobody serves lists only those it may use
        missing = get("/models/fraud", limited)
        assert missing.status_code == 404
        assert missing.json()["served_models"] == ["risk"]
        assert "sentiment" not in missing.text
        # AND a batch larger than the key's item burst, which no wait would let through, is a
        # 422 saying so, not a 429 to retry forever
        batch = {"items": [{"text": "fine"}] * 3}
        headers = {"Authorization": f"Bearer {small}"}
        refused = httpx.post(
            server.url + "/models/sentiment/predict/batch", json=batch, headers=headers
        )
        assert refused.status_code == 422
        assert "may send at most 2 in any one second: split it" in refused.json()["detail"]
