"""The app factory's wiring: what every route shares (404, 405, 413, 415, the error shape, the
request id, the documents), in-process on an app over an empty store."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.http.app import create_app
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient

LIMIT = 1000  # bytes: a small MAX_BODY_BYTES keeps the oversize bodies small


@pytest.fixture
def app(tmp_path: Path) -> TestClient:
    """Nothing to load, no lifespan: these answers never need a model."""
    store = LocalStore(tmp_path / "empty")
    return TestClient(create_app(Settings(model_dir=store.root, max_body_bytes=LIMIT), store))


def test_an_unknown_path_is_a_json_404(app: TestClient) -> None:
    response = app.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_wrong_method_is_a_json_405_naming_the_allowed_one(app: TestClient) -> None:
    response = app.get("/predict")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "POST"


def test_a_body_over_the_limit_is_refused_from_its_content_length(app: TestClient) -> None:
    # GIVEN a body that declares more bytes than MAX_BODY_BYTES WHEN posted
    response = app.post("/predict", content=b'{"text": "' + b"a" * LIMIT + b'"}')
    # THEN it is refused before it is read, naming the limit
    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body is larger than the {LIMIT}-byte limit"}


def test_a_chunked_body_over_the_limit_is_refused_while_streaming(app: TestClient) -> None:
    # GIVEN a body sent without a Content-Length, larger than the limit
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(4):
            yield b"a" * LIMIT
        yield b'"}'

    # WHEN posted THEN the limiter counts it as it arrives and refuses it with the same answer
    response = app.post("/predict", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body is larger than the {LIMIT}-byte limit"}


ERRORS = [
    ("POST", "/predict", b"{", "application/json", 400),
    ("GET", "/nowhere", None, None, 404),
    ("DELETE", "/predict", None, None, 405),
    ("POST", "/predict", b"x" * (LIMIT + 1), "application/json", 413),
    ("POST", "/predict", b"hello", "text/plain", 415),
    ("POST", "/predict", b"{}", "application/json", 422),
    ("POST", "/predict", b'{"text": "hi"}', "application/json", 503),
]


@pytest.mark.parametrize(
    ("method", "path", "content", "content_type", "status"),
    ERRORS,
    ids=[str(case[-1]) for case in ERRORS],
)
def test_every_error_is_json_with_a_detail_and_the_request_id(
    app: TestClient,
    method: str,
    path: str,
    content: bytes | None,
    content_type: str | None,
    status: int,
) -> None:
    # GIVEN a request the app refuses, carrying a request id
    headers = {"X-Request-Id": f"err-{status}"}
    if content_type:
        headers["content-type"] = content_type
    # WHEN sent
    response = app.request(method, path, content=content, headers=headers)
    # THEN the answer is JSON with a `detail`, and carries the id
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]
    assert response.headers["x-request-id"] == f"err-{status}"


def test_a_request_without_an_id_gets_a_generated_one(app: TestClient) -> None:
    assert len(app.get("/health").headers["x-request-id"]) == 36


def test_the_openapi_document_and_the_docs_page_are_served(app: TestClient) -> None:
    spec = app.get("/openapi.json").json()
    assert {"/health", "/ready", "/predict", "/models", "/models/{name}/predict/batch"} <= set(
        spec["paths"]
    )
    assert app.get("/docs").status_code == 200
