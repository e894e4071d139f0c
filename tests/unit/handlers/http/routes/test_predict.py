"""POST /predict: the original Inferno request and response, on the default model, in-process."""

import json

import pytest

from tests.support.bad_inputs import BAD_INPUTS
from tests.support.inprocess import TestClient

MODEL_NOT_LOADED = {"detail": "Model is not loaded or failed to load. Check server logs."}
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("I love this product, it is wonderful!", "positive"),
        ("This is terrible, I hate it.", "negative"),
    ],
)
def test_predict_answers_with_the_original_fields(
    served: TestClient, text: str, sentiment: str
) -> None:
    # GIVEN the default model loaded WHEN a text is posted
    response = served.post("/predict", json={"text": text})
    # THEN the answer has exactly the original fields, from the version /ready names
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"text", "sentiment", "confidence", "model_version"}
    assert body["text"] == text
    assert body["sentiment"] == sentiment
    assert 0 < body["confidence"] <= 1
    assert body["model_version"] == served.get("/ready").json()["model_version"]


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gets_a_4xx_with_a_json_reason(served: TestClient, case: str) -> None:
    # GIVEN a body the route must refuse WHEN posted
    content, status, reason = BAD_INPUTS[case]
    response = served.post("/predict", content=content, headers=JSON)
    # THEN the status and the reason say what is wrong
    assert response.status_code == status, response.text
    assert reason in json.dumps(response.json()["detail"])


def test_a_422_lists_each_problem_as_loc_msg_type(served: TestClient) -> None:
    # GIVEN a body without its one field WHEN posted
    response = served.post("/predict", json={})
    # THEN the detail is a list of {loc, msg, type}, without the offending input
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem == {"loc": ["body", "text"], "msg": "Field required", "type": "missing"}


def test_predict_is_503_before_the_model_is_loaded(unloaded: TestClient) -> None:
    # GIVEN an app that has loaded nothing WHEN a valid text is posted
    response = unloaded.post("/predict", json={"text": "hello"})
    # THEN it is refused as not loaded, not as a bad request
    assert response.status_code == 503
    assert response.json() == MODEL_NOT_LOADED


def test_the_request_id_is_echoed_on_success_and_on_refusal(served: TestClient) -> None:
    ok = served.post("/predict", json={"text": "fine"}, headers={"X-Request-Id": "abc-123"})
    refused = served.post("/predict", content=b"{", headers={**JSON, "X-Request-Id": "bad-1"})
    assert (ok.status_code, ok.headers["x-request-id"]) == (200, "abc-123")
    assert (refused.status_code, refused.headers["x-request-id"]) == (400, "bad-1")
