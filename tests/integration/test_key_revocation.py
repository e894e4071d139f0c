"""A revoked key stops working in every process within seconds, with the default settings."""

import time
from pathlib import Path

import httpx
import pytest

from handlers.cli import keys_admin
from model_build.release.publish import publish
from shared.auth.keys import ClientRecord
from shared.store.local import LocalStore
from tests.support.servers import uvicorn_server

pytestmark = pytest.mark.integration
# Far past the default refresh (2 s), far short of the old one (30 s).
REFUSED_WITHIN_SECONDS = 15


def test_a_revoked_key_is_refused_within_seconds(
    tmp_path: Path, sentiment_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a service with client keys on, at its default refresh interval, and a working key
    monkeypatch.delenv("KEYS_REFRESH_SECONDS", raising=False)
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store)
    key = keys_admin.create(store, ClientRecord(name="leaver"))
    headers = {"Authorization": f"Bearer {key}"}
    env = {"MODEL_DIR": str(store.root), "AUTH_MODE": "keys"}
    with uvicorn_server(env, tmp_path / "server.log") as server:
        predict = server.url + "/predict"
        assert httpx.post(predict, json={"text": "hi"}, headers=headers).status_code == 200
        # WHEN the key is revoked
        keys_admin.revoke(store, "leaver")
        # THEN the service refuses it soon after, without a restart
        deadline = time.monotonic() + REFUSED_WITHIN_SECONDS
        while httpx.post(predict, json={"text": "hi"}, headers=headers).status_code != 401:
            assert time.monotonic() < deadline, "the revoked key still works"
            time.sleep(0.2)
