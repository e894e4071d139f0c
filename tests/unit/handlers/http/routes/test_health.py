"""/health answers from the first moment; /ready only once the default model is loaded."""

from pathlib import Path

from model_build.release.artifacts import read_manifest
from tests.support.inprocess import TestClient

MODEL_NOT_LOADED = {"detail": "Model is not loaded or failed to load. Check server logs."}


def test_health_is_ok_before_any_model_is_loaded(unloaded: TestClient) -> None:
    # GIVEN an app that has loaded nothing WHEN probed for liveness
    response = unloaded.get("/health")
    # THEN it is alive, with how long the process has been up
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["uptime_seconds"] >= 0


def test_ready_is_503_until_the_default_model_is_loaded(unloaded: TestClient) -> None:
    # GIVEN an app that has loaded nothing WHEN probed for readiness
    response = unloaded.get("/ready")
    # THEN it is not ready, in the original API's words
    assert response.status_code == 503
    assert response.json() == MODEL_NOT_LOADED


def test_ready_names_the_default_model_and_every_served_one_once_loaded(
    served: TestClient, sentiment_model_dir: Path
) -> None:
    # GIVEN an app that has loaded both models WHEN probed for readiness
    response = served.get("/ready")
    # THEN it is ready and says which version answers /predict
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "model_name": "sentiment",
        "model_version": read_manifest(sentiment_model_dir).version,
        "served_models": ["risk", "sentiment"],
    }


def test_health_stays_ok_once_loaded(served: TestClient) -> None:
    assert served.get("/health").json()["status"] == "ok"
