"""Client keys and fleet-wide quotas over real HTTP: uvicorn processes, moto's S3 and DynamoDB."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.support.quota import create_quota_table
from tests.support.servers import ROOT, moto_server, uvicorn_server

pytestmark = pytest.mark.integration
BUCKET, TABLE = "keys-bucket", "inferno-quotas"
REFRESH_SECONDS = 1.0
TEXT = {"text": "what a lovely day"}


def inferno(*args: str, env: dict[str, str]) -> str:
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


@pytest.fixture
def aws_env(sentiment_model_dir: Path) -> Iterator[dict[str, str]]:
    with moto_server() as endpoint, atomic_item_updates():
        httpx.post(endpoint + "/moto-api/reset")  # moto's backends outlive one server
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        create_quota_table(boto3.client("dynamodb", endpoint_url=endpoint), TABLE)
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "MODEL_BUCKET_NAME": BUCKET,
            "MODEL_PREFIX": "models",
            "QUOTA_TABLE_NAME": TABLE,
        }
        inferno("publish", str(sentiment_model_dir), env=env)
        yield env


@contextmanager
def atomic_item_updates() -> Iterator[None]:
    """DynamoDB applies a conditional update atomically, and the quota leases rely on that; moto's
    threaded server does not (two processes' leases could pass the same condition at once and
    both be granted): one lock around its updates restores the guarantee the real table gives."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    unlocked = DynamoDBBackend.update_item

    def update_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return unlocked(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DynamoDBBackend, "update_item", update_item)
        yield


def service_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        **env,
        "AUTH_MODE": "keys",
        "KEYS_REFRESH_SECONDS": str(REFRESH_SECONDS),
        "QUOTA_FLUSH_SECONDS": "1",
        **extra,
    }


def create_key(env: dict[str, str], *args: str) -> str:
    out = inferno("keys", "create", *args, env=env)
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("inferno_sk_"), out  # the key, only the key
    return lines[0]


def usage(env: dict[str, str], client: str) -> tuple[int, int]:
    import json

    rows = json.loads(inferno("keys", "usage", "--client", client, "--days", "1", env=env))
    return sum(r["requests"] for r in rows), sum(r["items"] for r in rows)


def test_key_lifecycle(tmp_path: Path, aws_env: dict[str, str]) -> None:
    # GIVEN a client allowed the sentiment model only, at 3 requests in any second and in any
    # minute (so the limit holds however slowly a busy machine sends the burst)
    key = create_key(
        aws_env, "--client", "acme", "--models", "sentiment", "--burst", "3", "--rate", "0.05"
    )
    auth = {"Authorization": f"Bearer {key}"}
    with uvicorn_server(service_env(aws_env), tmp_path / "server.log") as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            # WHEN it calls THEN the key is accepted, by either header
            assert http.post("/predict", json=TEXT, headers=auth).status_code == 200
            assert http.post("/predict", json=TEXT, headers={"X-Api-Key": key}).status_code == 200
            # a model it may not use is 403, without a key 401
            assert http.post("/models/risk/predict", json={}, headers=auth).status_code == 403
            assert http.post("/predict", json=TEXT).status_code == 401
            # past its rate: 429 with Retry-After
            time.sleep(1.1)
            burst = [http.post("/predict", json=TEXT, headers=auth) for _ in range(5)]
            assert [r.status_code for r in burst][-2:] == [429, 429]
            assert int(burst[-1].headers["Retry-After"]) >= 1
            admitted = 2 + sum(r.status_code == 200 for r in burst)
            # WHEN the key is revoked THEN it is refused within one refresh interval
            inferno("keys", "revoke", "--client", "acme", env=aws_env)
            revoked_at = time.monotonic()
            while http.get("/models", headers=auth).status_code != 401:
                assert time.monotonic() - revoked_at < REFRESH_SECONDS + 1.0
                time.sleep(0.05)
        log = server.log()
    # AND the key never reached the server's output, not even its secret half
    # (inferno_sk_<id>_<secret>: the secret's base64url may itself hold "_")
    secret = key.removeprefix("inferno_sk_").split("_", 1)[1]
    assert len(secret) == 43
    assert key not in log and secret not in log
    assert '"client":"acme"' in log.replace(" ", "")
    # AND usage counts what was admitted (flushed at shutdown)
    assert usage(aws_env, "acme") == (admitted, admitted)


def test_two_processes_never_exceed_the_daily_quota(
    tmp_path: Path, aws_env: dict[str, str]
) -> None:
    # GIVEN a client with a daily quota of 40 items and two processes leasing blocks of 5
    quota, block = 40, 5
    key = create_key(
        aws_env,
        "--client",
        "fleet",
        "--daily-quota",
        str(quota),
        "--burst",
        "1000",
        "--rate",
        "1000",
        "--item-burst",
        "1000",
        "--item-rate",
        "1000",
    )
    auth = {"Authorization": f"Bearer {key}"}
    env = service_env(aws_env, QUOTA_LEASE_BLOCK=str(block))
    with (
        uvicorn_server(env, tmp_path / "a.log") as first,
        uvicorn_server(env, tmp_path / "b.log") as second,
    ):
        # WHEN both are sent single and batch predictions concurrently, well past the quota
        def send(i: int) -> tuple[int, int]:
            url = (first, second)[i % 2].url
            if i % 3 == 0:
                batch = {"items": [TEXT, TEXT, TEXT]}
                r = httpx.post(url + "/models/sentiment/predict/batch", json=batch, headers=auth)
                return r.status_code, 3
            return httpx.post(url + "/predict", json=TEXT, headers=auth, timeout=30).status_code, 1

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(60)))
    admitted = [(s, n) for s, n in answers if s == 200]
    refused = [s for s, _ in answers if s != 200]
    # THEN the fleet admitted no more than the quota plus one lease block, the rest got 429
    items = sum(n for _, n in admitted)
    assert quota - 3 <= items <= quota + block
    assert refused and set(refused) == {429}
    # AND `keys usage` reports exactly what was admitted
    assert usage(aws_env, "fleet") == (len(admitted), items)
