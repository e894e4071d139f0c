"""Bring your own model, end to end as a data scientist goes: each example's own model file and
sample, `inferno package`, `inferno publish`, then real uvicorn over HTTP and a bulk job.
HTTP answers equal the estimator's own, in-process, on the sample; no project file is edited."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from model_build.packaging.rows import request_rows
from model_build.release.artifacts import read_manifest
from tests.support.byom import EXAMPLES, INFERNO, Example, estimator_answers, run
from tests.support.servers import RunningServer, uvicorn_server

# Packaging five examples in the module fixture takes minutes on a loaded machine, past the
# default 300 s a test gets.
pytestmark = pytest.mark.timeout(1200)
ROWS = 40  # sample rows asked one by one over HTTP
TOLERANCE = 1e-4  # packaging's default: ONNX answers within it of the estimator's


@dataclass
class Served:
    server: RunningServer
    store: Path
    folders: dict[str, Path]
    packages: dict[str, Path]

    def sample(self, example: Example) -> pd.DataFrame:
        return pd.read_csv(self.folders[example.name] / "sample.csv")

    def requests(self, example: Example) -> list[dict[str, Any]]:
        schema = read_manifest(self.packages[example.name]).input_schema
        return request_rows(self.sample(example).drop(columns=["label"]), schema)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("byom")
    store, folders, packages = root / "store", {}, {}
    for example in EXAMPLES:
        folders[example.name] = example.build(root)
        packages[example.name] = root / "packages" / example.name
        example.package(folders[example.name], packages[example.name])
        run([INFERNO, "publish", str(packages[example.name]), "--store", str(store)])
    env = {
        "MODEL_DIR": str(store),
        "MODEL_NAME": "churn",
        "MODEL_REFRESH_SECONDS": "0",
        "LOAD_MODELS_BEFORE_SERVING": "true",
    }
    with uvicorn_server(env, root / "server.log") as server:
        yield Served(server, store, folders, packages)


def ids(example: Example) -> str:
    return example.name


def agree(example: Example, answer: dict[str, Any], expected: dict[str, float]) -> None:
    if example.kind == "regression":
        assert answer["value"] == pytest.approx(expected["value"], rel=TOLERANCE, abs=TOLERANCE)
        return
    assert answer["probabilities"] == pytest.approx(expected, abs=TOLERANCE)
    assert answer["label"] == max(expected, key=lambda label: expected[label])


def test_every_example_is_served_as_packaged(served: Served) -> None:
    listed = httpx.get(served.server.url + "/models").json()
    assert sorted(model["name"] for model in listed) == sorted(e.name for e in EXAMPLES)
    formats = {name: read_manifest(path).format for name, path in served.packages.items()}
    # ONNX where it converts and agrees (trees, boosters, the foreign graph), skops elsewhere.
    assert formats == {
        "feedback": "skops",
        "fraud-forest": "onnx",
        "claims": "skops",
        "tumour-lgbm": "onnx",
        "churn": "onnx",
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=ids)
def test_http_answers_equal_the_estimators_own(served: Served, example: Example) -> None:
    expected = estimator_answers(example, served.folders[example.name], served.sample(example))
    url = f"{served.server.url}/models/{example.name}/predict"
    with httpx.Client(timeout=30) as client:
        for item, wanted in list(zip(served.requests(example), expected, strict=True))[:ROWS]:
            response = client.post(url, json=item)
            assert response.status_code == 200, response.text
            agree(example, response.json(), wanted)


@pytest.mark.parametrize("example", EXAMPLES, ids=ids)
def test_instances_as_objects_or_rows_answer_the_same(served: Served, example: Example) -> None:
    items = served.requests(example)[:64]
    url = f"{served.server.url}/models/{example.name}/predict"
    as_objects = httpx.post(url, json={"instances": items}, timeout=30)
    as_rows = httpx.post(url, json={"instances": [list(i.values()) for i in items]}, timeout=30)
    assert as_objects.status_code == as_rows.status_code == 200, as_objects.text
    assert as_objects.json() == as_rows.json()
    assert len(as_objects.json()["predictions"]) == len(items)
    # Another batch shape may sum float32 trees in another order: equal to the last digits.
    single = httpx.post(url, json=items[0], timeout=30).json()
    del single["model"], single["version"]
    assert flat(as_objects.json()["predictions"][0]) == pytest.approx(flat(single), abs=1e-5)
    batch = httpx.post(url + "/batch", json={"instances": items[:3]}, timeout=30).json()
    assert flat([r["prediction"] for r in batch["results"]]) == pytest.approx(
        flat(as_objects.json()["predictions"][:3]), abs=1e-5
    )


def flat(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves by path, so pytest.approx compares nested answers."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{path}/{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{path}/{i}").items()}
    return {path: value}


@pytest.mark.parametrize("example", EXAMPLES, ids=ids)
def test_a_bulk_job_scores_the_whole_sample(
    served: Served, example: Example, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    printed = run(
        [INFERNO, "jobs", "run", str(served.folders[example.name] / "sample.csv"), str(output),
         "--store", str(served.store), "--model", example.name, "--keep", "label",
         "--workers", "1", "--no-progress"]
    )  # fmt: skip
    summary = json.loads(printed)
    assert summary["status"] == "SUCCEEDED", summary
    assert summary["errors"] == 0
    assert summary["records"] == len(served.sample(example))


def test_a_job_reads_rows_as_instances(served: Served, tmp_path: Path) -> None:
    rows = [list(item.values()) for item in served.requests(EXAMPLES[4])[:50]]
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    printed = run(
        [INFERNO, "jobs", "run", str(source), str(tmp_path / "out"), "--store", str(served.store),
         "--model", "churn", "--workers", "1", "--no-progress"]
    )  # fmt: skip
    assert json.loads(printed)["records"] == 50 and json.loads(printed)["errors"] == 0


def test_an_onnx_model_answers_through_the_lambda_emulator(served: Served, tmp_path: Path) -> None:
    from tests.support.servers import ROOT

    items = served.requests(EXAMPLES[4])[:3]
    event = json.loads((ROOT / "events" / "apigw-v2-model-predict.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/models/churn/predict"
    event["body"] = json.dumps({"instances": items})
    del event["headers"]["content-length"]
    (tmp_path / "churn.json").write_text(json.dumps(event))
    env = {"MODEL_DIR": str(served.store), "MODEL_NAME": "churn"}
    response = json.loads(run([INFERNO, "invoke", str(tmp_path / "churn.json"), "--rie"], env))
    assert response["statusCode"] == 200, response
    over_http = httpx.post(
        f"{served.server.url}/models/churn/predict", json={"instances": items}
    ).json()
    assert json.loads(response["body"]) == over_http


def test_typed_inputs_are_refused_naming_the_field(served: Served) -> None:
    url = f"{served.server.url}/models/fraud-forest/predict"
    item = served.requests(EXAMPLES[1])[0]
    bad = {**item, "card_present": "yes", "hour": 3.5, "merchant_category": None}
    response = httpx.post(url, json=bad)
    assert response.status_code == 422
    problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert problems == {
        ("body", "card_present"): "expected a boolean, got string",
        ("body", "hour"): "expected an integer",
        ("body", "merchant_category"): "must not be null",
    }
    rows = httpx.post(url, json={"instances": [item, [1, 2]]})
    assert rows.status_code == 422
    assert rows.json()["detail"][0]["loc"] == ["body", "instances", 1]
    # Missing values reach a model that handles them.
    claims = served.requests(EXAMPLES[2])[0]
    empty = dict.fromkeys(claims, None) | {"sex": claims["sex"]}
    assert httpx.post(f"{served.server.url}/models/claims/predict", json=empty).status_code == 200


def test_openapi_shows_each_models_typed_inputs(served: Served) -> None:
    paths = httpx.get(served.server.url + "/openapi.json").json()["paths"]

    def item(name: str) -> dict[str, Any]:
        body = paths[f"/models/{name}/predict"]["post"]["requestBody"]["content"]
        schema: dict[str, Any] = body["application/json"]["schema"]["oneOf"][0]
        return schema

    fraud = item("fraud-forest")["properties"]
    assert fraud["card_present"]["type"] == "boolean"
    assert fraud["hour"]["type"] == "integer"
    assert fraud["country"]["examples"] == ["BR", "DE", "FR", "GB", "US"]
    assert item("claims")["properties"]["bmi"]["type"] == ["number", "null"]
    assert item("feedback")["required"] == ["text"]
