"""Every event in events/ replayed through the Lambda handler: in-process and in the real emulator.

Both runs go through `inferno invoke events/` in a child process whose only configuration is its
environment (MODEL_DIR names a store holding the session's trained model), as a Lambda would be.
"""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.cli.replay import RIE_PATH, Emulator, compare, load_events, response_headers
from model_build.release.publish import publish
from shared.metrics_contract import ALL_METRICS
from shared.serving.registry import FIRST_RETRY_SECONDS
from shared.store.local import LocalStore
from tests.support.emf import declared_metrics, emf_documents, log_records, spec_violations, totals

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
CASES = {case.name: case for case in load_events(EVENTS)}
MODES = ("in-process", "rie")


@dataclass
class Replay:
    returncode: int
    stdout: str
    stderr: str

    def responses(self) -> dict[str, dict[str, Any]]:
        parsed: dict[str, dict[str, Any]] = json.loads(self.stdout)
        return parsed


def run_invoke(store: Path, target: Path, *flags: str) -> Replay:
    argv = [sys.executable, "-m", "handlers.cli.main", "invoke", str(target), *flags]
    env = {**os.environ, "MODEL_DIR": str(store), "POWERTOOLS_SERVICE_NAME": "inferno-replay"}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    return Replay(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def lambda_store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> Path:
    """A store like the `local_store` fixture's, built once for the module's child processes."""
    root = tmp_path_factory.mktemp("lambda-store")
    publish(sentiment_model_dir, LocalStore(root), alias="production")
    return root


@pytest.fixture(scope="module", params=MODES)
def replay(request: pytest.FixtureRequest, lambda_store: Path) -> Replay:
    """All events replayed once per mode: one execution environment, one cold start."""
    if request.param == "rie" and not (ROOT / RIE_PATH).exists():
        pytest.fail(f"{RIE_PATH} is missing: run `make rie` (the integration target does)")
    flags = ("--rie",) if request.param == "rie" else ()
    result = run_invoke(lambda_store, EVENTS, *flags)
    assert result.stdout, result.stderr[-3000:]
    return result


def test_every_event_gets_its_expected_response(replay: Replay) -> None:
    # GIVEN every sample event replayed WHEN each response is compared with its file's expectation
    responses = replay.responses()
    problems = {name: compare(responses[name], case.expected or {}) for name, case in CASES.items()}
    # THEN none differs, and the command says so with exit code 0
    assert {name: p for name, p in problems.items() if p} == {}
    assert set(responses) == set(CASES)
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert f"{len(CASES)} of {len(CASES)} events as expected" in replay.stderr


def test_alb_multi_value_events_get_multi_value_responses(replay: Replay) -> None:
    # GIVEN ALB events with and without multi-value headers
    responses = replay.responses()
    # THEN each response uses the same shape as its request (ALB rejects the other shape)
    assert "multiValueHeaders" in responses["alb-multi-value-predict"]
    assert "headers" not in responses["alb-multi-value-predict"]
    assert "headers" in responses["alb-predict"]
    assert "multiValueHeaders" not in responses["alb-predict"]


def test_metrics_are_flushed_per_invocation_as_valid_emf(replay: Replay) -> None:
    # GIVEN the output of one execution environment that served every event
    docs = emf_documents(replay.stderr)
    # THEN every document follows the EMF spec and declares only metrics of the contract
    assert docs and all(spec_violations(doc) == [] for doc in docs)
    contract = {(m.name, m.unit, frozenset({"service", *m.dimensions})) for m in ALL_METRICS}
    assert declared_metrics(docs) <= contract
    # AND each invocation flushed its own request: one document per request, each counting 1
    request_counts = [doc["RequestCount"] for doc in docs if "RequestCount" in doc]
    assert request_counts == [[1]] * len(CASES)
    assert sum(totals(docs, "RequestCount", "service").values()) == len(CASES)


def test_the_model_loads_once_and_cold_start_is_counted_once(replay: Replay) -> None:
    # GIVEN one execution environment that served every event
    docs = emf_documents(replay.stderr)
    # THEN the model was loaded once (at init) and the first invocation alone was a cold start
    assert sum(len(v) for v in _values(docs, "ModelLoadTime")) == 1
    assert totals(docs, "ColdStart", "function_name", "service") == {
        ("inferno-local", "inferno-replay"): 1
    }
    starts = [r["cold_start"] for r in log_records(replay.stderr) if r["message"] == "request"]
    assert starts == [True] + [False] * (len(CASES) - 1)


def test_each_request_log_line_carries_the_echoed_correlation_id(replay: Replay) -> None:
    # GIVEN the response headers and the per-request log lines of every invocation
    responses = replay.responses()
    echoed = Counter(response_headers(responses[name])["x-request-id"] for name in CASES)
    logged = Counter(
        r["correlation_id"] for r in log_records(replay.stderr) if r["message"] == "request"
    )
    # THEN the ids logged are exactly the ids echoed, one request line per invocation
    assert logged == echoed
    # AND API Gateway's request id stands in when no header carries an id
    assert echoed["c6af9ac6-7b61-11e6-9a41-93e8deadbeef"] == 1
    assert echoed["Kf3mZgF2IAMEbTw="] == 1


def test_invoke_exits_1_and_says_why_when_a_response_is_not_as_expected(
    tmp_path: Path, lambda_store: Path
) -> None:
    # GIVEN an event whose expectation is wrong (health never answers 418)
    event = tmp_path / "wrong.json"
    event.write_bytes((EVENTS / "apigw-v2-health.json").read_bytes())
    wrong = {"statusCode": 418, "body": {"status": "teapot"}}
    (tmp_path / "wrong.expected.json").write_text(json.dumps(wrong))
    # WHEN replayed in-process
    result = run_invoke(lambda_store, event)
    # THEN stdout is just the response, stderr names both differences, and the exit code is 1
    assert json.loads(result.stdout)["statusCode"] == 200
    assert "wrong: statusCode: expected 418, got 200" in result.stderr
    assert "wrong: body.status: expected 'teapot', got 'ok'" in result.stderr
    assert result.returncode == 1


def test_event_files_are_raw_payloads_the_emulator_takes_as_they_are(
    tmp_path: Path, lambda_store: Path
) -> None:
    # GIVEN one event file per source, the oversize one among them, and its expected status
    names = [
        "alb-predict",
        "alb-multi-value-predict",
        "apigw-v1-predict",
        "apigw-v2-predict-oversize",
    ]
    env = {"MODEL_DIR": str(lambda_store)}
    with (tmp_path / "rie.log").open("w") as log, Emulator(env=env, output=log) as emulator:
        # WHEN each file's bytes are POSTed unchanged to the invoke URL, as `curl -d @file` does
        answers = {
            name: httpx.post(
                emulator.url,
                content=(EVENTS / f"{name}.json").read_bytes(),
                headers={"content-type": "application/x-www-form-urlencoded"},
                timeout=120,
            )
            for name in names
        }
    # THEN the function answers each with the status its expectation file names
    statuses = {name: answer.json()["statusCode"] for name, answer in answers.items()}
    assert statuses == {name: (CASES[name].expected or {})["statusCode"] for name in names}
    assert statuses["apigw-v2-predict-oversize"] == 413


def _values(docs: list[dict[str, Any]], metric: str) -> list[list[float]]:
    return [doc[metric] for doc in docs if metric in doc]


def test_a_failed_init_load_is_retried_by_a_later_invocation(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN an execution environment whose store is empty at init
    store = tmp_path / "store"
    store.mkdir()
    ready = {**CASES["apigw-v2-ready"].event}
    output = tmp_path / "rie.log"
    with output.open("w") as log, Emulator(env={"MODEL_DIR": str(store)}, output=log) as emulator:
        # WHEN it is invoked before and after the model is published
        before = emulator.invoke(ready)
        publish(sentiment_model_dir, LocalStore(store), alias="production")
        time.sleep(FIRST_RETRY_SECONDS + 0.2)  # the back-off after the failed init load
        after = emulator.invoke(ready)
        again = emulator.invoke(ready)
    # THEN it answers 503 until a later invocation has loaded the model, then 200 without reloading
    assert [before["statusCode"], after["statusCode"], again["statusCode"]] == [503, 200, 200]
    docs = emf_documents(output.read_text())
    assert sum(len(v) for v in _values(docs, "ModelLoadTime")) == 1
    assert sum(totals(docs, "ModelLoadFailure", "model").values()) >= 1
