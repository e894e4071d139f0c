"""The real app under uvicorn on a loopback port, spoken to over HTTP."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.bad_inputs import BAD_INPUTS
from tests.support.servers import RunningServer, uvicorn_server

MODEL_NOT_LOADED = {"detail": "Model is not loaded or failed to load. Check server logs."}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("http")
    publish(sentiment_model_dir, LocalStore(root / "store"))
    with uvicorn_server(
        {"MODEL_DIR": str(root / "store"), "MAX_TEXT_LENGTH": "5000"}, root / "server.log"
    ) as running:
        yield running


def post(server: RunningServer, path: str, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        server.url + path,
        content=content,
        headers={"content-type": "application/json", **headers},
        timeout=30,
    )


def test_health_is_ok(server: RunningServer) -> None:
    response = httpx.get(server.url + "/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_names_the_loaded_model(server: RunningServer, sentiment_model_dir: Path) -> None:
    manifest = json.loads((sentiment_model_dir / "manifest.json").read_text())
    body = httpx.get(server.url + "/ready").json()
    assert body["model_name"] == "sentiment"
    assert body["model_version"] == manifest["version"]


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("I love this product, it is wonderful!", "positive"),
        ("This is terrible, I hate it.", "negative"),
    ],
)
def test_predict_answers_with_the_original_fields(
    server: RunningServer, text: str, sentiment: str
) -> None:
    response = post(server, "/predict", json.dumps({"text": text}).encode())
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == text
    assert body["sentiment"] == sentiment
    assert 0 < body["confidence"] <= 1
    assert body["model_version"] == httpx.get(server.url + "/ready").json()["model_version"]


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gets_a_4xx_with_a_json_reason(server: RunningServer, case: str) -> None:
    content, status, reason = BAD_INPUTS[case]
    response = post(server, "/predict", content)
    assert response.status_code == status, response.text
    assert reason in json.dumps(response.json()["detail"])


def test_a_body_over_one_megabyte_is_refused_from_its_content_length(server: RunningServer) -> None:
    response = post(server, "/predict", b'{"text": "' + b"a" * 1_100_000 + b'"}')
    assert response.status_code == 413
    assert "1048576-byte limit" in response.json()["detail"]


def test_a_chunked_body_over_one_megabyte_is_refused_while_streaming(server: RunningServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(40):  # 2.6 MB in all, sent without a Content-Length
            yield b"a" * 65536
        yield b'"}'

    response = httpx.post(
        server.url + "/predict",
        content=chunks(),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def many_fields(count: int) -> str:
    return json.dumps({**{str(i): 1 for i in range(count)}, "text": "x"}).replace(" ", "")


# Under MAX_BODY_VALUES (65,536 by default), each field a problem of its own.
MANY_FIELDS = many_fields(30_000)


def test_a_body_of_countless_values_is_refused_as_it_streams(server: RunningServer) -> None:
    # GIVEN the audit's body: 95,000 unknown fields in 917 KiB (once an 8.2 MiB 422 that held
    # the event loop for half a second) WHEN it is posted
    response = post(server, "/predict", many_fields(95_000).encode())
    # THEN it is refused before it is parsed, saying why
    assert response.status_code == 413
    assert "more than 65536 JSON values" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/predict", MANY_FIELDS),
        ("/models/sentiment/predict", MANY_FIELDS),
        ("/models/sentiment/predict/batch", '{"items": [' + MANY_FIELDS[:-1] + "}]}"),
        ("/models/sentiment/predict/batch", MANY_FIELDS.replace('"text":"x"', '"items":[]')),
    ],
    ids=["predict", "model-predict", "batch-item", "batch-body"],
)
def test_a_422_lists_the_first_few_problems_and_counts_the_rest(
    server: RunningServer, path: str, body: str
) -> None:
    # GIVEN a body with 30,000 fields no schema knows WHEN it is posted
    response = post(server, path, body.encode())
    # THEN the answer names the first ten and counts the others, in a few hundred bytes
    assert len(response.content) < 4096
    answer = response.json()
    if path.endswith("/batch") and response.status_code == 200:  # a bad item, answered by index
        answer = {"detail": answer["results"][0]["error"]}
    else:
        assert response.status_code == 422
        assert answer["problems_not_listed"] == 30_000 - 10
    assert len(answer["detail"]) == 10
    assert answer["detail"][0] == {
        "loc": ["body", "0"],
        "msg": answer["detail"][0]["msg"],
        "type": "extra_forbidden",
    }


def test_a_problem_naming_a_huge_field_is_cut_short(server: RunningServer) -> None:
    response = post(server, "/predict", json.dumps({"x" * 500_000: 1, "text": "y"}).encode())
    assert response.status_code == 422
    assert len(response.content) < 1024
    assert response.json()["detail"][0]["loc"][1].endswith("...")


def test_wrong_method_and_unknown_path_are_json_4xx(server: RunningServer) -> None:
    assert httpx.get(server.url + "/predict").status_code == 405
    missing = httpx.get(server.url + "/nowhere")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}


def test_the_request_id_is_echoed_or_taken_from_the_alb_or_generated(server: RunningServer) -> None:
    body = b'{"text": "fine"}'
    assert (
        post(server, "/predict", body, **{"X-Request-Id": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    trace = "Root=1-67891233-abcdef012345678912345678"
    assert (
        post(server, "/predict", body, **{"X-Amzn-Trace-Id": trace}).headers["x-request-id"]
        == trace
    )
    generated = post(server, "/predict", body).headers["x-request-id"]
    assert len(generated) == 36
    # even a refused request carries one
    assert (
        post(server, "/predict", b"{", **{"X-Request-Id": "bad-1"}).headers["x-request-id"]
        == "bad-1"
    )


def test_the_service_survives_every_bad_input(server: RunningServer) -> None:
    for content, _, _ in BAD_INPUTS.values():
        post(server, "/predict", content)
    assert server.process.poll() is None
    assert post(server, "/predict", b'{"text": "still here"}').status_code == 200


def test_openapi_documents_the_routes_with_examples(server: RunningServer) -> None:
    spec: dict[str, Any] = httpx.get(server.url + "/openapi.json").json()
    assert {"/health", "/ready", "/predict", "/models", "/models/{name}/predict/batch"} <= set(
        spec["paths"]
    )
    schemas = spec["components"]["schemas"]
    assert schemas["PredictRequest"]["examples"][0]["text"]
    assert schemas["PredictResponse"]["examples"][0]["sentiment"] == "positive"
    assert httpx.get(server.url + "/docs").status_code == 200


def test_no_model_in_the_store_means_alive_but_not_ready(tmp_path: Path) -> None:
    with uvicorn_server(
        {"MODEL_DIR": str(tmp_path / "empty")}, tmp_path / "log", wait_path="/health"
    ) as empty:
        assert httpx.get(empty.url + "/ready").status_code == 503
        response = httpx.post(empty.url + "/predict", json={"text": "hello"})
        assert response.status_code == 503
        assert response.json() == MODEL_NOT_LOADED


def test_the_docs_page_works_offline_with_operation_ids_a_person_would_write(
    server: RunningServer,
) -> None:
    # GIVEN the docs page WHEN a browser loads it THEN every asset comes from the service itself
    page = httpx.get(server.url + "/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(asset.startswith("/docs/assets/") for asset in assets), assets
    for asset in assets:
        assert httpx.get(server.url + asset).status_code == 200, asset
    assert "persistAuthorization" in page  # a pasted key survives a reload
    # AND a generated client gets names a person would write
    spec = httpx.get(server.url + "/openapi.json").json()
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert {"predict", "predict_batch", "list_models", "get_model", "health", "ready"} <= ids
    assert "predict_model_sentiment" in ids
