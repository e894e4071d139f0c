"""Four model kinds side by side from one S3 store (moto over HTTP) under real uvicorn: a
classifier, a regressor, a recommender and an anomaly scorer; their routes, batches, bad input,
hot swap under load and refusal of a tampered version."""

import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from model_build.examples.train_basket import train_basket
from model_build.examples.train_fraud import train_fraud
from model_build.examples.train_progression import train_progression
from model_build.release.artifacts import read_manifest
from model_build.release.publish import publish
from shared.store.s3 import S3Store
from tests.support.servers import RunningServer, free_port, moto_server, uvicorn_server
from tests.support.tamper import tampered

BUCKET = "kinds"
REFRESH_SECONDS = 1.0
TRAINERS = {"progression": train_progression, "basket": train_basket, "fraud": train_fraud}
# What each kind's answer must hold.
FIELDS = {
    "sentiment": {"label", "confidence", "probabilities"},
    "progression": {"value", "lower", "upper"},
    "basket": {"items"},
    "fraud": {"score", "anomaly", "threshold"},
}


@dataclass
class Stack:
    store: S3Store
    server: RunningServer
    dirs: dict[str, Path]
    next_dirs: dict[str, Path]

    def sample(self, name: str) -> dict[str, Any]:
        return dict(read_manifest(self.dirs[name]).sample.input)


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    sentiment_model_dir: Path,
    sentiment_model_dir_v2: Path,
) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("kinds")
    dirs, next_dirs = {"sentiment": sentiment_model_dir}, {"sentiment": sentiment_model_dir_v2}
    for name, train in TRAINERS.items():
        train(root / f"{name}-1")
        train(root / f"{name}-2", seed=7)
        dirs[name], next_dirs[name] = root / f"{name}-1", root / f"{name}-2"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with moto_server(port):
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        store = S3Store(BUCKET, "models", client=boto3.client("s3", endpoint_url=endpoint))
        for directory in dirs.values():
            publish(directory, store, alias="production")
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "MODEL_BUCKET_NAME": BUCKET,
            "MODEL_PREFIX": "models",
            "MODEL_REFRESH_SECONDS": str(REFRESH_SECONDS),
            "METRICS_FLUSH_SECONDS": "1",
        }
        with uvicorn_server(env, root / "server.log") as server:
            deadline = time.monotonic() + 60
            while len(httpx.get(server.url + "/models").json()) < 4:
                assert time.monotonic() < deadline, server.log()
                time.sleep(0.2)
            yield Stack(store, server, dirs, next_dirs)


def versions(stack: Stack) -> dict[str, str]:
    return {m["name"]: m["version"] for m in httpx.get(stack.server.url + "/models").json()}


def test_all_four_kinds_are_served_with_their_own_answers(stack: Stack) -> None:
    models = {m["name"]: m for m in httpx.get(stack.server.url + "/models").json()}
    assert {name: m["task"] for name, m in models.items()} == {
        "basket": "text-ranking",
        "fraud": "tabular-anomaly",
        "progression": "tabular-regression",
        "sentiment": "text-classification",
    }
    for name, fields in FIELDS.items():
        response = httpx.post(f"{stack.server.url}/models/{name}/predict", json=stack.sample(name))
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == fields | {"model", "version"}
        assert body["version"] == read_manifest(stack.dirs[name]).version
    basket = httpx.post(
        stack.server.url + "/models/basket/predict", json={**stack.sample("basket"), "k": 3}
    ).json()
    assert len(basket["items"]) == 3
    assert [i["item"] for i in basket["items"]] == read_manifest(
        stack.dirs["basket"]
    ).sample.expected["items"][:3]  # type: ignore[index]
    value = httpx.post(
        stack.server.url + "/models/progression/predict", json=stack.sample("progression")
    ).json()
    assert value["lower"] < value["value"] < value["upper"]
    fraud = httpx.post(stack.server.url + "/models/fraud/predict", json=stack.sample("fraud"))
    assert fraud.json()["anomaly"] is True


def test_each_kind_answers_a_batch_in_one_call_with_bad_items_by_index(stack: Stack) -> None:
    bad = {
        "sentiment": {"text": ""},
        "progression": {"bmi": 0.1},
        "basket": {"basket": "p001", "k": 0},
    }
    bad["fraud"] = {**stack.sample("fraud"), "hour": 24}
    for name, fields in FIELDS.items():
        items = [stack.sample(name), bad[name], stack.sample(name)]
        response = httpx.post(
            f"{stack.server.url}/models/{name}/predict/batch", json={"items": items}
        )
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert set(results[0]["prediction"]) == fields
        assert results[0]["prediction"] == results[2]["prediction"]
        assert results[1]["prediction"] is None and results[1]["error"]


@pytest.mark.parametrize(
    ("name", "change", "field", "message"),
    [
        ("basket", {"k": 0}, "k", "between 1 and 20"),
        ("basket", {"k": 21}, "k", "between 1 and 20"),
        ("basket", {"k": "5"}, "k", "expected an integer"),
        ("basket", {"basket": " "}, "basket", "empty"),
        ("progression", {"bmi": "high"}, "bmi", "expected a number"),
        ("progression", {"age": 99.0}, "age", "above the maximum"),
        ("fraud", {"hour": 2.5}, "hour", "expected an integer"),
        ("fraud", {"merchant_risk": -1}, "merchant_risk", "below the minimum"),
        ("sentiment", {"text": 5}, "text", "expected a string"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    stack: Stack, name: str, change: dict[str, Any], field: str, message: str
) -> None:
    item = {**stack.sample(name), **change}
    response = httpx.post(f"{stack.server.url}/models/{name}/predict", json=item)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert message in error["msg"]


def test_the_openapi_document_shows_each_kinds_request_and_answer(stack: Stack) -> None:
    paths = httpx.get(stack.server.url + "/openapi.json").json()["paths"]
    expected = {
        "sentiment": "ModelPredictResponse",
        "progression": "RegressionResponse",
        "basket": "RankingResponse",
        "fraud": "AnomalyResponse",
    }
    for name, answer in expected.items():
        operation = paths[f"/models/{name}/predict"]["post"]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["oneOf"][0] == {"$ref": f"#/components/schemas/{answer}"}
    basket = paths["/models/basket/predict"]["post"]["requestBody"]["content"]["application/json"]
    assert basket["schema"]["oneOf"][0]["properties"]["k"]["maximum"] == 20


@dataclass
class Load:
    """Concurrent real requests to every model until stopped; every answer kept."""

    stack: Stack
    answers: list[tuple[str, int, str | None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, name: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                try:
                    r = client.post(
                        f"{self.stack.server.url}/models/{name}/predict",
                        json=self.stack.sample(name),
                    )
                    version = r.json().get("version") if r.status_code == 200 else None
                    self.answers.append((name, r.status_code, version))
                except httpx.HTTPError:
                    self.answers.append((name, 0, None))


def test_every_kind_is_hot_swapped_under_load_with_no_failed_request(stack: Stack) -> None:
    before = versions(stack)
    load = Load(stack)
    threads = [threading.Thread(target=load.run, args=(n,)) for n in FIELDS for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        wanted = {
            n: publish(d, stack.store, alias="production").version
            for n, d in stack.next_dirs.items()
        }
        deadline = time.monotonic() + 60
        while versions(stack) != wanted and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(30)
    assert versions(stack) == wanted
    assert [a for a in load.answers if a[1] != 200] == []
    for name in FIELDS:
        seen = [v for n, _, v in load.answers if n == name]
        assert set(seen) == {before[name], wanted[name]}, name
        first_new = seen.index(wanted[name])
        assert set(seen[first_new:]) == {wanted[name]}, name
    # AND the kinds' own metrics reached the EMF output
    time.sleep(1.5)
    log = stack.server.log()
    for metric in (
        "PredictionCount",
        "PredictedValue",
        "RankingCount",
        "RankedItems",
        "AnomalyCount",
    ):
        assert f'"{metric}"' in log, metric


def test_a_tampered_version_of_any_kind_is_refused_and_the_serving_one_stays(
    stack: Stack, tmp_path: Path
) -> None:
    serving = versions(stack)
    for name, source in stack.dirs.items():
        directory = tmp_path / name
        shutil.copytree(source, directory)
        manifest = json.loads((directory / "manifest.json").read_text())
        manifest["version"] = f"tampered-{name}"
        (directory / "manifest.json").write_text(json.dumps(manifest))
        publish(directory, stack.store, alias=None)
        stack.store.write(
            f"{name}/tampered-{name}/model.skops",
            tampered((directory / "model.skops").read_bytes()),
        )
        stack.store.set_alias(name, "production", f"tampered-{name}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        log = stack.server.log()
        if all(f"{name}/tampered-{name}: artifact sha256" in log for name in FIELDS):
            break
        time.sleep(0.3)
    for name in FIELDS:
        assert f"{name}/tampered-{name}: artifact sha256" in stack.server.log(), name
        response = httpx.post(f"{stack.server.url}/models/{name}/predict", json=stack.sample(name))
        assert response.status_code == 200 and response.json()["version"] == serving[name]
    assert versions(stack) == serving
