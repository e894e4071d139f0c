"""The service against S3 served by moto over HTTP, configured only by endpoint URL and bucket."""

import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx

from tests.support.servers import ROOT, free_port, moto_server, uvicorn_server, wait_for


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL_S3": endpoint, "MODEL_BUCKET_NAME": bucket, "MODEL_PREFIX": "models"}


def inferno(*args: str, env: dict[str, str]) -> str:
    """The real CLI in a subprocess, as an operator would run it."""
    import os

    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_publish_to_s3_then_serve_from_it(tmp_path: Path, sentiment_model_dir: Path) -> None:
    with moto_server() as endpoint:
        # GIVEN a bucket and a model published into it by the CLI
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="inferno-models")
        env = s3_env(endpoint, "inferno-models")
        assert "alias production" in inferno(
            "publish", str(sentiment_model_dir), "--alias", "production", env=env
        )
        assert '"production"' in inferno("models", env=env)
        # WHEN the service starts with only the endpoint and bucket
        with uvicorn_server(env, tmp_path / "server.log") as server:
            # THEN it serves the model from S3
            response = httpx.post(server.url + "/predict", json={"text": "Absolutely love it!"})
            assert response.status_code == 200
            assert response.json()["sentiment"] == "positive"


def test_start_up_retries_until_the_store_is_reachable(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN a service whose S3 endpoint is not listening yet
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**s3_env(endpoint, "late-bucket"), "MODEL_LOAD_RETRY_MAX_SECONDS": "2"}
    with uvicorn_server(env, tmp_path / "server.log", wait_path="/health") as server:
        # THEN it is alive but not ready, and predictions get the 503 of the original API
        assert httpx.get(server.url + "/ready").status_code == 503
        assert httpx.post(server.url + "/predict", json={"text": "hi"}).status_code == 503
        time.sleep(2)
        assert server.process.poll() is None
        # WHEN the store comes up with the model in it
        with moto_server(port):
            boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="late-bucket")
            inferno("publish", str(sentiment_model_dir), env=env)
            # THEN the background retry loads it and the service becomes ready
            ready = wait_for(server.url + "/ready", timeout=30)
            assert ready.json()["model_name"] == "sentiment"
            assert httpx.post(server.url + "/predict", json={"text": "great"}).status_code == 200
        assert "Model load failed" in server.log() or "retrying" in server.log()
