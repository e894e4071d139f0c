"""The OpenAPI document against the real service: schemathesis over HTTP, and media types.

A short schemathesis profile runs with every test run; `make fuzz` runs a deep one through this
same test (FUZZ_MAX_EXAMPLES, FUZZ_MIN_CASES, and FUZZ_SEED, empty for a fresh seed). Every check
is on (`--checks all`); none is excluded.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.store.local import LocalStore
from tests.support.inprocess import two_model_store
from tests.support.servers import RunningServer, uvicorn_server

pytestmark = pytest.mark.integration

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
MIN_CASES = int(os.environ.get("FUZZ_MIN_CASES", "500"))
SEED = os.environ.get("FUZZ_SEED", "1")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> LocalStore:
    return two_model_store(tmp_path_factory.mktemp("contract-http"), sentiment_model_dir)


@pytest.fixture(scope="module")
def server(store: LocalStore) -> Iterator[RunningServer]:
    with uvicorn_server(
        {"MODEL_DIR": str(store.root), "ACCESS_LOG_SAMPLE_RATE": "0.01"},
        store.root.parent / "server.log",
    ) as running:
        yield running


def run_schemathesis(url: str, workdir: Path) -> dict[str, Any]:
    report = workdir / "schemathesis.json"
    argv = [
        str(SCHEMATHESIS), "run", f"{url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--report", "json", "--report-json-path", str(report),
        *(["--seed", SEED] if SEED else []),
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=3600)
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = done.stdout
    return result


def test_schemathesis_finds_no_failure(server: RunningServer, tmp_path: Path) -> None:
    # GIVEN the service serving a text and a tabular model WHEN schemathesis runs every phase
    report = run_schemathesis(server.url, tmp_path)
    cases = report["test_cases"]["generated"]
    print(f"schemathesis: {cases} cases, seed {report['seed']}, {report['running_time']:.0f} s")
    # THEN no check fails on any case, every operation was tested, and enough cases ran
    assert report["failures"] == [] and report["errors"] == [], report["output"][-6000:]
    assert report["exit_code"] == 0, report["output"][-3000:]
    assert report["operations"]["tested"] == report["operations"]["total"] >= 8
    assert cases >= MIN_CASES


def test_curl_style_form_bodies_are_415_and_untyped_json_is_read(server: RunningServer) -> None:
    body = b'{"text": "I love this, it works perfectly!"}'
    # GIVEN the body curl -d sends (form-encoded) WHEN posted THEN 415 says to send JSON
    form = {"content-type": "application/x-www-form-urlencoded"}
    refused = httpx.post(f"{server.url}/predict", content=body, headers=form)
    assert refused.status_code == 415
    assert "application/json" in refused.json()["detail"]
    assert refused.headers["x-request-id"]
    # AND the same body with no Content-Type at all is read as JSON
    assert "content-type" not in httpx.Request("POST", server.url, content=body).headers
    assert httpx.post(f"{server.url}/predict", content=body).status_code == 200
    typed = {"content-type": "application/json; charset=utf-8"}
    assert httpx.post(f"{server.url}/predict", content=body, headers=typed).status_code == 200
