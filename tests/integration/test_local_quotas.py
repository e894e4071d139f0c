"""AUTH_MODE=keys on a laptop, with no DynamoDB: daily quotas hold and `keys usage` answers from
the local store's quota file, over real HTTP, with the commands handlers/http/AUTH.md gives."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.support.servers import ROOT, uvicorn_server

pytestmark = pytest.mark.integration
INFERNO = Path(sys.executable).with_name("inferno")  # the venv's CLI, as a reader runs it
SERVE = [str(INFERNO), "serve", "--no-train", "--port", "{port}"]
TEXT = {"text": "what a lovely day"}
GENEROUS_RATE = ["--burst", "1000", "--rate", "1000", "--item-burst", "1000"]


@pytest.fixture
def laptop(
    tmp_path: Path, sentiment_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """A local store with the sentiment model, and nothing that names a quota table or file."""
    for name in ("QUOTA_TABLE_NAME", "QUOTA_DB_PATH", "MODEL_BUCKET_NAME", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store)
    yield {"MODEL_DIR": str(store.root), "AUTH_MODE": "keys"}


def inferno(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(INFERNO), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def post(url: str, body: object, key: str) -> httpx.Response:
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def usage(env: dict[str, str], client: str) -> tuple[int, int]:
    rows = json.loads(inferno("keys", "usage", "--client", client, "--days", "1", env=env))
    return sum(r["requests"] for r in rows), sum(r["items"] for r in rows)


def test_a_daily_quota_holds_and_keys_usage_reports_it(
    tmp_path: Path, laptop: dict[str, str]
) -> None:
    # GIVEN a key allowed 4 items a day, served by `inferno serve` under AUTH_MODE=keys
    key = inferno("keys", "create", "--client", "laptop", "--daily-quota", "4", env=laptop).strip()
    with uvicorn_server(laptop, tmp_path / "server.log", command=SERVE) as server:
        # WHEN it sends a batch of 3, then single items
        batch = {"items": [TEXT, TEXT, TEXT]}
        answers = [post(server.url + "/models/sentiment/predict/batch", batch, key)]
        answers += [post(server.url + "/predict", TEXT, key) for _ in range(3)]
    # THEN the 4th item is the last admitted: past it, 429 until the UTC day rolls over
    assert [r.status_code for r in answers] == [200, 200, 429, 429]
    assert answers[-1].json() == {"detail": "Daily quota of client 'laptop' is used up"}
    assert int(answers[-1].headers["Retry-After"]) >= 1
    # AND `inferno keys usage` reports what was admitted (flushed when the server stopped)
    assert usage(laptop, "laptop") == (2, 4)


def test_workers_sharing_the_quota_file_never_exceed_the_quota(
    tmp_path: Path, laptop: dict[str, str]
) -> None:
    # GIVEN a key allowed 10 items a day, and two uvicorn workers leasing blocks of 2
    quota, block, workers = 10, 2, 2
    create = ["keys", "create", "--client", "pair", "--daily-quota", str(quota), *GENEROUS_RATE]
    key = inferno(*create, env=laptop).strip()
    env = {**laptop, "WEB_CONCURRENCY": str(workers), "QUOTA_LEASE_BLOCK": str(block)}
    with uvicorn_server(env, tmp_path / "server.log", command=SERVE) as server:
        # (the first worker ready opens the door: wait for the second, so both take requests)
        deadline = time.monotonic() + 90
        while server.log().count("Application startup complete") < workers:
            assert time.monotonic() < deadline, "the second worker never started"
            time.sleep(0.2)

        # WHEN they are sent twice the quota at once, a connection each (the kernel spreads them)
        def send(_: int) -> int:
            return post(server.url + "/predict", TEXT, key).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(2 * quota)))
    # THEN together they admitted no more than the quota (a block a worker holds may go unused)
    admitted = statuses.count(200)
    assert quota - workers * block <= admitted <= quota
    assert set(statuses) == {200, 429}
    # AND `keys usage` counts exactly what both workers admitted
    assert usage(laptop, "pair") == (admitted, admitted)
