"""Hot reload against S3 served by moto over HTTP, under a steady stream of real requests."""

import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import pytest

from model_build.release.publish import publish
from shared.store.s3 import S3Store
from tests.support.servers import RunningServer, free_port, moto_server, uvicorn_server
from tests.support.tamper import tampered

REFRESH_SECONDS = 2.0
BUCKET = "hot-reload"


@dataclass
class Answer:
    sent_at: float
    status: int
    version: str | None


@dataclass
class PredictionStream:
    """Real HTTP predictions, one after another, until stopped."""

    url: str
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                sent_at = time.monotonic()
                try:
                    response = client.post(
                        self.url + "/predict", json={"text": "what a lovely day"}
                    )
                    version = (
                        response.json().get("model_version")
                        if response.status_code == 200
                        else None
                    )
                    self.answers.append(Answer(sent_at, response.status_code, version))
                except httpx.HTTPError:
                    self.answers.append(Answer(sent_at, 0, None))
                time.sleep(0.02)

    def __enter__(self) -> "PredictionStream":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@dataclass
class Stack:
    store: S3Store
    server: RunningServer
    port: int


@pytest.fixture
def stack(tmp_path: Path, sentiment_model_dir: Path) -> Iterator[Stack]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with moto_server(port):
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        store = S3Store(BUCKET, "models", client=boto3.client("s3", endpoint_url=endpoint))
        publish(sentiment_model_dir, store, alias="production")
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "MODEL_BUCKET_NAME": BUCKET,
            "MODEL_PREFIX": "models",
            "MODEL_REFRESH_SECONDS": str(REFRESH_SECONDS),
            "METRICS_FLUSH_SECONDS": "1",
        }
        with uvicorn_server(env, tmp_path / "server.log") as server:
            yield Stack(store, server, port)


def serving_version(server: RunningServer) -> str:
    version: str = httpx.get(server.url + "/ready").json()["model_version"]
    return version


def load_seconds(log: str, version: str) -> float:
    """How long the service spent loading `version`, from its own 'Model loaded' log line."""
    for line in log.splitlines():
        if '"Model loaded"' in line and f'"version":"{version}"' in line:
            return float(json.loads(line)["load_ms"]) / 1000
    raise AssertionError(f"no load of {version} logged")


def test_moving_the_alias_mid_stream_switches_versions_without_a_failed_request(
    stack: Stack, sentiment_model_dir: Path, sentiment_model_dir_v2: Path
) -> None:
    v1 = serving_version(stack.server)
    with PredictionStream(stack.server.url) as stream:
        time.sleep(1.5)
        # WHEN v2 is published and the alias moved while requests flow
        moved_at = time.monotonic()
        v2 = publish(sentiment_model_dir_v2, stack.store, alias="production").version
        deadline = moved_at + 2 * REFRESH_SECONDS + 30
        while serving_version(stack.server) != v2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)
    answers = stream.answers
    # THEN no request failed, and every answer came from v1 or v2
    assert len(answers) > 50
    assert [a for a in answers if a.status != 200] == []
    assert {a.version for a in answers} == {v1, v2}
    # AND once v2 answered, v1 never did again
    first_v2 = next(i for i, a in enumerate(answers) if a.version == v2)
    assert all(a.version == v2 for a in answers[first_v2 + 1 :])
    # AND the switch came within two refresh intervals of the move, plus the load itself
    switch_delay = answers[first_v2].sent_at - moved_at
    assert switch_delay <= 2 * REFRESH_SECONDS + load_seconds(stack.server.log(), v2) + 1.0


def publish_broken_version(
    stack: Stack, source: Path, tmp_path: Path, version: str, *, tamper: bool
) -> None:
    directory = tmp_path / version
    shutil.copytree(source, directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["version"] = version
    if not tamper:  # a sample the model cannot reproduce
        manifest["sample"]["expected_label"] = (
            "neutral" if manifest["sample"]["expected_label"] != "neutral" else "negative"
        )
    (directory / "manifest.json").write_text(json.dumps(manifest))
    publish(directory, stack.store, alias=None)
    if tamper:  # the artifact changed in the bucket after publishing
        stack.store.write(
            f"sentiment/{version}/model.skops", tampered((directory / "model.skops").read_bytes())
        )
    stack.store.set_alias("sentiment", "production", version)


@pytest.mark.parametrize(
    "tamper", [True, False], ids=["sha256 mismatch", "sample prediction fails"]
)
def test_a_bad_version_is_refused_while_the_old_one_keeps_serving(
    stack: Stack, sentiment_model_dir: Path, tmp_path: Path, tamper: bool
) -> None:
    v1 = serving_version(stack.server)
    publish_broken_version(stack, sentiment_model_dir, tmp_path, "broken-1", tamper=tamper)
    expected = "does not match" if tamper else "manifest expects"
    deadline = time.monotonic() + 3 * REFRESH_SECONDS + 30
    while expected not in stack.server.log() and time.monotonic() < deadline:
        assert (
            httpx.post(stack.server.url + "/predict", json={"text": "ok"}).json()["model_version"]
            == v1
        )
        time.sleep(0.2)
    assert expected in stack.server.log()
    time.sleep(1.5)  # one metrics flush interval
    assert serving_version(stack.server) == v1
    failure_counts = [
        json.loads(line)["ModelLoadFailure"]
        for line in stack.server.log().splitlines()
        if '"ModelLoadFailure"' in line and line.startswith("{") and "_aws" in line
    ]
    assert sum(sum(c) for c in failure_counts) >= 1


def test_the_store_going_away_leaves_the_service_serving_until_it_returns(
    tmp_path: Path, sentiment_model_dir: Path, sentiment_model_dir_v2: Path
) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "MODEL_BUCKET_NAME": BUCKET + "-outage",
        "MODEL_PREFIX": "models",
        "MODEL_REFRESH_SECONDS": str(REFRESH_SECONDS),
    }
    with moto_server(port):
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET + "-outage")
        publish(
            sentiment_model_dir,
            S3Store(BUCKET + "-outage", "models", client=boto3.client("s3", endpoint_url=endpoint)),
        )
        server_cm = uvicorn_server(env, tmp_path / "server.log")
        server = server_cm.__enter__()
    try:
        v1 = serving_version(server)
        # GIVEN the store is down for several refresh intervals
        time.sleep(3 * REFRESH_SECONDS)
        for _ in range(5):
            response = httpx.post(server.url + "/predict", json={"text": "still serving?"})
            assert response.status_code == 200
            assert response.json()["model_version"] == v1
        assert re.search(r"cannot (reach|read)", server.log())
        # WHEN it returns with a new version under the alias
        with moto_server(port):
            client = boto3.client("s3", endpoint_url=endpoint)
            v2 = publish(
                sentiment_model_dir_v2, S3Store(BUCKET + "-outage", "models", client=client)
            ).version
            # THEN the service picks it up
            deadline = time.monotonic() + 2 * REFRESH_SECONDS + 30
            while serving_version(server) != v2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert serving_version(server) == v2
    finally:
        server_cm.__exit__(None, None, None)
