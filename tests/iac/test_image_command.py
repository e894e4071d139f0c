"""Runs the Dockerfile's own command (ENTRYPOINT + CMD) in the project's environment.

No Docker engine is needed: the image's entrypoint and uvicorn flags are what is under test,
started exactly as written with only the bind address and port swapped for a free loopback port.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .infra import ROOT, load_dockerfile

VENV_BIN = ROOT / ".venv" / "bin"
READY_TIMEOUT_SECONDS = 90
# ECS stopTimeout (iac/main.tf): uvicorn must exit by then after SIGTERM.
STOP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def with_option(command: list[str], flag: str, value: str) -> list[str]:
    index = command.index(flag)
    return [*command[: index + 1], value, *command[index + 2 :]]


def child_env(model_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AWS_LAMBDA_RUNTIME_API", "MODEL_BUCKET_NAME", "MODEL_VERSION"}
    }
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MODEL_DIR"] = str(model_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> Path:
    """A local store holding the session's trained model under the production alias."""
    if not (VENV_BIN / "inferno").exists():
        pytest.skip("the `inferno` command is not installed in .venv yet (make install)")
    store = tmp_path_factory.mktemp("image-command") / "store"
    subprocess.run(
        [str(VENV_BIN / "inferno"), "publish", str(sentiment_model_dir), "--store", str(store)],
        cwd=ROOT,
        env=child_env(store),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return store


@pytest.fixture
def server(model_store: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    command = with_option(load_dockerfile().command, "--host", "127.0.0.1")
    command = with_option(command, "--port", str(port))
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(model_store), stdout=output, stderr=output
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"not stopped {STOP_TIMEOUT_SECONDS}s after SIGTERM:\n{log.read_text()}")
    # uvicorn drains, then re-raises the SIGTERM it caught: a clean stop is 0 or -SIGTERM.
    assert code in {0, -signal.SIGTERM}, log.read_text()


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the image command exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/ready not 200 within {READY_TIMEOUT_SECONDS}s:\n{log.read_text()}")


@pytest.mark.integration
def test_image_command_serves_ready_and_predict(server: str) -> None:
    # GIVEN the Dockerfile's command serving a freshly trained store (fixture)
    # WHEN a client checks readiness and asks for a prediction
    ready = httpx.get(f"{server}/ready", timeout=5)
    predicted = httpx.post(f"{server}/predict", json={"text": "I love it"}, timeout=5)
    # THEN both answer as the ALB and the smoke tests expect
    assert ready.status_code == 200
    assert predicted.status_code == 200, predicted.text
    body = predicted.json()
    assert body["text"] == "I love it"
    assert body["sentiment"] in {"positive", "negative", "neutral"}


def test_image_command_is_exec_form_with_the_lambda_switch() -> None:
    dockerfile = load_dockerfile()
    assert dockerfile.cmd[:2] == ["uvicorn", "handlers.app:app"]
    assert dockerfile.option("--host") == "0.0.0.0"
    entrypoint = " ".join(dockerfile.entrypoint)
    assert "AWS_LAMBDA_RUNTIME_API" in entrypoint
    assert "awslambdaric handlers.lambda_function.handler" in entrypoint
    assert 'exec "$@"' in entrypoint
