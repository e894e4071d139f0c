"""A key over its rate is answered 429 before the service reads its body (issue 19, item 7):
the refusal arrives while the client has sent only headers, so a rate-limited key costs the
service no read or parse of the megabytes it sends."""

import json
import socket
from pathlib import Path

import httpx
import pytest

from handlers.cli import keys_admin
from model_build.release.publish import publish
from shared.auth.keys import ClientRecord
from shared.store.local import LocalStore
from tests.support.servers import uvicorn_server

pytestmark = pytest.mark.integration
DECLARED_BYTES = 1 << 20


def headers_only(url: str, key: str) -> tuple[int, dict[str, str], dict[str, object]]:
    """POST a 1 MiB body's headers and none of the body; the status, headers and JSON answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            (
                "POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {key}\r\nContent-Length: {DECLARED_BYTES}\r\n\r\n"
            ).encode()
        )
        conn.settimeout(5)  # no answer before the body would be a read body: it never comes
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    found = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in found.items()}, json.loads(body)


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    return len(body) >= length


def test_a_key_over_its_rate_gets_429_before_its_body_is_sent(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN a key allowed one request in any second and in any minute, which it has used
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store)
    key = keys_admin.create(store, ClientRecord(name="slowpoke", rate=1 / 60, burst=1))
    env = {"MODEL_DIR": str(store.root), "AUTH_MODE": "keys"}
    with uvicorn_server(env, tmp_path / "server.log") as server:
        auth = {"Authorization": f"Bearer {key}"}
        first = httpx.post(server.url + "/predict", json={"text": "hi"}, headers=auth)
        assert first.status_code == 200
        # WHEN it sends the headers of a 1 MiB prediction, and no body
        status, headers, body = headers_only(server.url, key)
    # THEN the 429 comes at once, with when to retry and a JSON reason
    assert status == 429
    assert int(headers["retry-after"]) >= 1
    assert "Rate limit exceeded" in json.dumps(body)
