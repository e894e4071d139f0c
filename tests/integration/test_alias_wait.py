"""`inferno alias NAME ALIAS VERSION --wait`: returns once the running service serves the version,
and fails saying what it still serves when it does not (issue 19, item 10)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.servers import ROOT, free_port, uvicorn_server
from tests.support.tamper import tampered as altered

pytestmark = pytest.mark.integration


def alias(store: LocalStore, version: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "handlers.cli.main", "alias", "sentiment", "production"]
    return subprocess.run(
        [*command, version, "--store", str(store.root), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def tampered(store: LocalStore, model_dir: Path, scratch: Path) -> str:
    """A version the service refuses: its artifact no longer matches its manifest."""
    shutil.copytree(model_dir, scratch)
    manifest = json.loads((scratch / "manifest.json").read_text())
    manifest["version"] = "tampered-1"
    (scratch / "manifest.json").write_text(json.dumps(manifest))
    publish(scratch, store, alias=None)
    artifact = altered((scratch / "model.skops").read_bytes())
    store.write("sentiment/tampered-1/model.skops", artifact)
    return "tampered-1"


def test_alias_wait_returns_once_the_service_serves_the_version(
    local_store: LocalStore, sentiment_model_dir: Path, sentiment_model_dir_v2: Path, tmp_path: Path
) -> None:
    v1 = local_store.alias_version("sentiment", "production")
    v2 = publish(sentiment_model_dir_v2, local_store, alias=None).version
    refused = tampered(local_store, sentiment_model_dir, tmp_path / "bad")
    env = {"MODEL_DIR": str(local_store.root), "MODEL_REFRESH_SECONDS": "1"}
    with uvicorn_server(env, tmp_path / "server.log") as server:
        # WHEN the alias moves to a version the service refuses, waiting a few seconds
        done = alias(local_store, refused, "--wait", "--url", server.url, "--timeout", "4")
        # THEN it fails (exit 1), saying what the service still serves and where to look
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"does not serve {refused} after 4 s (last answer: version {v1})" in done.stderr
        assert "Model load failed" in done.stderr
        # WHEN it moves to a good version
        done = alias(local_store, v2, "--wait", "--url", server.url, "--timeout", "120")
        # THEN it returns (exit 0) once the service serves it, and it does
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"serves {v2}" in done.stdout
        assert httpx.get(f"{server.url}/models/sentiment").json()["version"] == v2


def test_alias_wait_names_an_unreachable_service_and_url_needs_wait(
    local_store: LocalStore, sentiment_model_dir_v2: Path
) -> None:
    v1 = local_store.alias_version("sentiment", "production")
    v2 = publish(sentiment_model_dir_v2, local_store, alias=None).version
    nowhere = f"http://127.0.0.1:{free_port()}"
    # --url alone would be ignored: it is refused (exit 2) before the alias moves
    done = alias(local_store, v2, "--url", nowhere)
    assert done.returncode == 2 and "add --wait" in done.stderr
    assert local_store.alias_version("sentiment", "production") == v1
    # --wait on a service that is not there fails (exit 1), saying so
    done = alias(local_store, v2, "--wait", "--url", nowhere, "--timeout", "1")
    assert done.returncode == 1 and "(last answer: no answer" in done.stderr, done.stderr
