"""What a request may look like: the OpenAPI document states it exactly (JSON media types:
test_media_type.py).

In-process, on the app factory serving the sentiment and risk models.
"""

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # schemathesis brings it, without stubs
import pytest

from handlers.http.schemas import NOT_BLANK
from shared.kinds.validation import text_problem
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient, serving, two_model_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> LocalStore:
    return two_model_store(tmp_path_factory.mktemp("contract"), sentiment_model_dir)


@pytest.fixture(scope="module")
def api(store: LocalStore) -> Iterator[TestClient]:
    # The document states the configured text limit; set here as the HTTP tests set it.
    with serving(store, max_text_length=5000) as client:
        yield client


@pytest.fixture(scope="module")
def spec(api: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = api.get("/openapi.json").json()
    return document


PREDICTION_ROUTES = [
    ("/predict", "post"),
    ("/models/sentiment/predict", "post"),
    ("/models/risk/predict", "post"),
    ("/models/{name}/predict/batch", "post"),
]


@pytest.mark.parametrize(("path", "method"), PREDICTION_ROUTES)
def test_the_document_states_every_status_a_prediction_route_answers(
    spec: dict[str, Any], path: str, method: str
) -> None:
    # GIVEN a prediction route's operation THEN every failure status is documented
    responses = spec["paths"][path][method]["responses"]
    assert {"200", "400", "413", "415", "422", "500", "503", "504"} <= set(responses)
    # AND the shedding 503 names its Retry-After header
    assert "Retry-After" in responses["503"]["headers"]


def test_every_route_documents_the_500(spec: dict[str, Any]) -> None:
    operations = [op for item in spec["paths"].values() for op in item.values()]
    assert operations and all("500" in op["responses"] for op in operations)


def test_each_served_model_has_its_own_exact_request_body(spec: dict[str, Any]) -> None:
    # GIVEN the document of a server with a text and a tabular model
    paths = spec["paths"]
    # THEN the templated predict path is replaced by one path per served model
    assert "/models/{name}/predict" not in paths
    text = body_schema(paths["/models/sentiment/predict"])
    risk = body_schema(paths["/models/risk/predict"])
    # AND each body is an object that accepts its model's sample and nothing looser
    assert text["type"] == risk["type"] == "object"
    assert text["additionalProperties"] is risk["additionalProperties"] is False
    assert text["required"] == ["text"] and len(risk["required"]) == 10
    jsonschema.validate(risk["examples"][0], risk)
    assert not jsonschema.Draft202012Validator(text).is_valid({"text": " \n\t"})
    assert not jsonschema.Draft202012Validator(risk).is_valid({**risk["examples"][0], "x": 1})


def test_instances_take_objects_or_rows_up_to_the_batch_limit(spec: dict[str, Any]) -> None:
    path = spec["paths"]["/models/risk/predict"]
    item = body_schema(path)["examples"][0]
    instances = jsonschema.Draft202012Validator(body_schema(path, 1))
    assert instances.is_valid({"instances": [item, list(item.values())]})
    assert not instances.is_valid({"instances": [list(item.values())[:-1]]})
    assert not instances.is_valid({"instances": []})
    assert not instances.is_valid({"instances": [item] * 257})
    answer = path["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["oneOf"][1]["properties"]["predictions"]["items"]["$ref"].endswith(
        "/ModelPrediction"
    )


def test_the_predict_body_states_the_text_rules(spec: dict[str, Any]) -> None:
    text = spec["components"]["schemas"]["PredictRequest"]["properties"]["text"]
    assert text["maxLength"] == 5000
    assert text["pattern"] == NOT_BLANK


def test_the_not_blank_pattern_is_exactly_what_validation_calls_blank() -> None:
    # GIVEN every code point WHEN matched against the pattern (found by schemathesis: \x1c is
    # whitespace to Python but not to an ECMA-262 \s) THEN it matches exactly the non-space ones
    pattern = re.compile(NOT_BLANK)
    assert [
        code
        for code in range(sys.maxunicode + 1)
        if (pattern.search(chr(code)) is None) != chr(code).isspace()
    ] == []
    assert text_problem("\x1c\x1c", 10) and not text_problem("\ufeff", 10)


def body_schema(path_item: dict[str, Any], shape: int = 0) -> dict[str, Any]:
    """One item (shape 0) or `{"instances": [...]}` (shape 1)."""
    body = path_item["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema: dict[str, Any] = body["oneOf"][shape]
    return schema
