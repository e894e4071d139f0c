"""Request bodies are JSON: a JSON media type or none is read as JSON, another is 415.

In-process, on the app factory serving the sentiment and risk models.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.inprocess import TestClient, serving, two_model_store

TEXT = b'{"text": "I love this, it works perfectly!"}'


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path
) -> Iterator[TestClient]:
    store = two_model_store(tmp_path_factory.mktemp("media_type"), sentiment_model_dir)
    with serving(store) as client:
        yield client


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "application/json; charset=utf-8", "application/vnd.x+json"],
)
@pytest.mark.parametrize("path", ["/predict", "/models/sentiment/predict"])
def test_json_and_a_missing_content_type_are_read_as_json(
    api: TestClient, path: str, content_type: str | None
) -> None:
    # GIVEN a valid body sent with a JSON media type, or none WHEN posted THEN it is predicted
    headers = {"content-type": content_type} if content_type else {}
    response = api.post(path, content=TEXT, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
@pytest.mark.parametrize(
    "path", ["/predict", "/models/sentiment/predict", "/models/sentiment/predict/batch"]
)
def test_another_media_type_is_415_naming_json(
    api: TestClient, path: str, content_type: str
) -> None:
    # GIVEN a body sent as curl -d sends it, or as text WHEN posted
    response = api.post(path, content=TEXT, headers={"content-type": content_type})
    # THEN it is refused as such, and the answer says what to send
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_a_media_type_never_turns_a_404_or_405_into_a_415(api: TestClient) -> None:
    # GIVEN a text/plain header on requests that match no route, no method, or carry no body
    text = {"content-type": "text/plain"}
    # THEN they are answered as without it
    assert api.post("/nowhere", content=b"x", headers=text).status_code == 404
    assert api.post("/health", content=b"x", headers=text).status_code == 405
    assert api.get("/models", headers=text).status_code == 200
