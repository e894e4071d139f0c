"""The smoke test CI and CD run, run here against the real app under uvicorn."""

import subprocess
import sys
from pathlib import Path

import pytest

from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.servers import ROOT, uvicorn_server

pytestmark = pytest.mark.integration


def smoke(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.smoke", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_serving_service_passes(tmp_path: Path, sentiment_model_dir: Path) -> None:
    publish(sentiment_model_dir, LocalStore(tmp_path / "store"))
    with uvicorn_server({"MODEL_DIR": str(tmp_path / "store")}, tmp_path / "log") as server:
        done = smoke(server.url)
    assert done.returncode == 0, done.stderr
    assert "serves sentiment/" in done.stdout


def test_a_service_with_no_model_fails_with_the_reason(tmp_path: Path) -> None:
    env = {"MODEL_DIR": str(tmp_path / "empty")}
    with uvicorn_server(env, tmp_path / "log", wait_path="/health") as server:
        done = smoke(server.url, "--wait", "1")
    assert done.returncode == 1
    assert "/ready answered 503" in done.stderr


def test_nothing_listening_fails_without_a_traceback() -> None:
    done = smoke("http://127.0.0.1:9", "--wait", "0")
    assert done.returncode == 1
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr
