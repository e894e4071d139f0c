"""Rollouts over real HTTP: the service under uvicorn reads its models and rollouts from S3
served by moto on loopback; the operator's side is the real `inferno` CLI in a subprocess.

A candidate that agrees is promoted under load with no failed request; one that disagrees is
aborted and production answered every request meanwhile; a canary answers its share of callers,
each always from the same version; a rollout and its counts survive a restart."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from shared.rollouts.records import read_current, read_figures
from shared.serving.loaded_model import load_verified
from shared.store.s3 import S3Store
from tests.support.cli import inferno, judged
from tests.support.fraud_versions import NAME, build_versions, requests_of, version_of
from tests.support.servers import moto_server, uvicorn_server

PREDICT = f"/models/{NAME}/predict"


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_versions(tmp_path_factory.mktemp("fraud-versions"))


@pytest.fixture
def aws(versions: dict[str, Path]) -> Iterator[dict[str, str]]:
    """moto's S3 with production published and the two candidates beside it (no alias). A
    bucket of its own: moto's servers in one process share their state."""
    bucket = f"inferno-rollouts-{uuid.uuid4().hex[:8]}"
    with moto_server() as endpoint:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket=bucket
        )
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "MODEL_BUCKET_NAME": bucket,
            "MODEL_PREFIX": "models",
            "MODEL_NAME": NAME,
            "ROLLOUT_REFRESH_SECONDS": "0.5",
        }
        inferno("publish", str(versions["production"]), env=env)
        for role in ("agreeing", "flipped"):
            inferno("publish", str(versions[role]), "--no-alias", env=env)
        yield env


def store_of(env: dict[str, str]) -> S3Store:
    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"], region_name="us-east-1")
    return S3Store(env["MODEL_BUCKET_NAME"], "models", client)


def policy_file(tmp_path: Path, **knobs: Any) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(knobs))
    return str(path)


class Load:
    """Clients posting transactions until stopped; every answer's status and version kept."""

    def __init__(self, url: str, rows: list[dict[str, Any]], clients: int = 4) -> None:
        self.answers: list[tuple[int, str | None]] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._post, args=(url, rows[i::clients]), daemon=True)
            for i in range(clients)
        ]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _post(self, url: str, rows: list[dict[str, Any]]) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                for row in rows:
                    if self._stop.is_set():
                        return
                    response = client.post(url + PREDICT, json=row)
                    version = response.json().get("version") if response.is_success else None
                    self.answers.append((response.status_code, version))


def test_an_agreeing_candidate_is_promoted_under_load_with_no_failed_request(
    aws: dict[str, str], versions: dict[str, Path], tmp_path: Path
) -> None:
    production, candidate = version_of(versions["production"]), version_of(versions["agreeing"])
    policy = policy_file(tmp_path, min_compared=150, min_agreement=0.9, max_latency_ratio=5)
    with uvicorn_server(aws, tmp_path / "server.log") as server:
        # GIVEN traffic, and a shadow rollout of a candidate that agrees with production
        with Load(server.url, requests_of(1, 400)) as load:
            inferno(
                "rollout", "start", NAME, candidate, "--shadow", "50%", "--policy", policy, env=aws
            )
            # WHEN the policy's count is reached and the judge runs
            verdict = judged(NAME, aws, code=0)
            # THEN it is promoted, and the service moves to it while answering
            assert f"{NAME}: promote:" in verdict
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and load.answers[-1][1] != candidate:
                time.sleep(0.2)
            time.sleep(1)
        statuses = {status for status, _ in load.answers}
        served = [version for _, version in load.answers]
    assert statuses == {200}, f"{len(load.answers)} answers, statuses {statuses}"
    assert set(served) == {production, candidate} and served[-1] == candidate
    store = store_of(aws)
    assert store.alias_version(NAME, "production") == candidate
    history = json.loads(inferno("rollout", "history", NAME, env=aws).splitlines()[-1])
    assert history["state"] == "promoted" and history["figures"]["agreement"] >= 0.9
    assert history["figures"]["compared"] >= 150


def test_a_disagreeing_candidate_is_aborted_and_production_answered_every_request(
    aws: dict[str, str], versions: dict[str, Path], tmp_path: Path
) -> None:
    production, flipped = version_of(versions["production"]), version_of(versions["flipped"])
    rows = requests_of(2, 160)
    policy = policy_file(tmp_path, min_compared=100, min_agreement=0.9)
    with uvicorn_server(aws, tmp_path / "server.log") as server:
        inferno("rollout", "start", NAME, flipped, "--shadow", "100%", "--policy", policy, env=aws)
        time.sleep(1.5)  # every worker follows the plan within ROLLOUT_REFRESH_SECONDS
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answers = [client.post(PREDICT, json=row).json() for row in rows]
        verdict = judged(NAME, aws, code=3)
    assert f"{NAME}: abort: agreement" in verdict
    # Production answered every request, with production's own answer.
    model = load_verified(*_manifest_and_artifact(versions["production"]))
    inputs = [model.kind.validate(model.manifest, row, 10_000) for row in rows]
    expected = [output.label for output in model.kind.predict(model, inputs)]  # type: ignore[attr-defined]
    assert [answer["version"] for answer in answers] == [production] * len(rows)
    assert [answer["label"] for answer in answers] == expected
    assert store_of(aws).alias_version(NAME, "production") == production


def _manifest_and_artifact(directory: Path) -> tuple[Any, bytes]:
    from shared.manifest import ModelManifest

    manifest = ModelManifest.model_validate_json((directory / "manifest.json").read_bytes())
    return manifest, (directory / manifest.artifact).read_bytes()


def test_a_ten_percent_canary_answers_a_tenth_of_callers_each_always_from_one_version(
    aws: dict[str, str], versions: dict[str, Path], tmp_path: Path
) -> None:
    candidate = version_of(versions["agreeing"])
    row = requests_of(3, 1)[0]
    with uvicorn_server(aws, tmp_path / "server.log") as server:
        inferno("rollout", "start", NAME, candidate, "--canary", "10%", env=aws)
        time.sleep(1.5)

        def versions_for(callers: range) -> list[str]:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                return [
                    client.post(PREDICT, json=row, headers={"X-Rollout-Key": f"caller-{i}"})
                    .raise_for_status()
                    .json()["version"]
                    for i in callers
                ]

        with ThreadPoolExecutor(4) as pool:
            first = [v for part in pool.map(versions_for, _quarters(2000)) for v in part]
            again = [v for part in pool.map(versions_for, _quarters(2000)) for v in part]
    share = first.count(candidate) / len(first)
    assert 0.07 <= share <= 0.13, share
    assert again == first  # each caller kept its version


def _quarters(total: int) -> list[range]:
    step = total // 4
    return [range(start, start + step) for start in range(0, total, step)]


def test_a_rollout_and_its_counts_survive_a_restart(
    aws: dict[str, str], versions: dict[str, Path], tmp_path: Path
) -> None:
    candidate = version_of(versions["agreeing"])
    rows = requests_of(4, 60)
    policy = policy_file(tmp_path, min_compared=10_000)  # not decided during the test
    inferno("rollout", "start", NAME, candidate, "--shadow", "100%", "--policy", policy, env=aws)
    store = store_of(aws)
    for run in ("before", "after"):
        with (
            uvicorn_server(aws, tmp_path / f"server-{run}.log") as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            for row in rows[:30] if run == "before" else rows[30:]:
                client.post(PREDICT, json=row).raise_for_status()
        # Stopping the server compared what was queued and wrote its last counts.
    rollout = read_current(store, NAME)
    assert rollout is not None and rollout.running
    figures = read_figures(store, rollout)
    assert figures.compared == 60 and figures.shadow_dropped == 0
    status = inferno("rollout", "status", NAME, env=aws)
    assert "60/10000 compared" in status and "policy says: wait" in status
