"""Smoke-test a running service: ready, alive, one prediction, one refused input.

CI runs it against the container it built and CD against the service behind the ALB, so both
check the same things. Standard library only: `python3 -m handlers.cli.smoke URL` works from a bare
checkout, with nothing installed. A service with client keys on (AUTH_MODE=keys, as deployed)
needs one: set SMOKE_API_KEY (CD reads it from Secrets Manager) and it is sent as X-Api-Key.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

LABELS = {"positive", "negative", "neutral"}
KEY_ENV = "SMOKE_API_KEY"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def call(
    url: str, body: dict[str, Any] | None = None, timeout: float = 10, key: str | None = None
) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if key:
        request.add_header("X-Api-Key", key)
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return _answer(error.code, error.read(), dict(error.headers))


def _answer(status: int, raw: bytes, headers: dict[str, str]) -> Answer:
    try:
        body = json.loads(raw)
    except ValueError:
        body = raw.decode(errors="replace")
    return Answer(status, body, {name.lower(): value for name, value in headers.items()})


def wait_until_ready(base_url: str, wait_seconds: float, key: str | None = None) -> Answer:
    """With client keys, /ready names the default model's version only to a key that may use it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            answer = call(base_url + "/ready", timeout=5, key=key)
            if answer.status == 200 or time.monotonic() >= deadline:
                return answer
        except OSError as error:  # not listening yet, or the ALB has no healthy target
            if time.monotonic() >= deadline:
                raise
            print(f"smoke: waiting for {base_url}/ready ({error})", file=sys.stderr)
        time.sleep(2)


def problems(base_url: str, wait_seconds: float, key: str | None = None) -> list[str]:
    """What is wrong with the service at `base_url`; empty when it passes."""
    ready = wait_until_ready(base_url, wait_seconds, key)
    if ready.status != 200:
        return [f"/ready answered {ready.status} after {wait_seconds:g} s: {ready.body}"]
    found = []
    health = call(base_url + "/health")
    if health.status != 200 or health.body.get("status") != "ok":
        found.append(f"/health answered {health.status}: {health.body}")
    predicted = call(base_url + "/predict", {"text": "I love it, thank you!"}, key=key)
    if predicted.status != 200 or predicted.body.get("sentiment") not in LABELS:
        found.append(f"/predict answered {predicted.status}: {predicted.body}")
    elif predicted.body.get("model_version") != ready.body.get("model_version"):
        found.append(f"/predict served {predicted.body} but /ready names {ready.body}")
    if "x-request-id" not in predicted.headers:
        found.append("/predict's answer has no X-Request-Id")
    refused = call(base_url + "/predict", {"text": "   "}, key=key)
    if refused.status != 422 or not isinstance(refused.body, dict) or "detail" not in refused.body:
        found.append(f"whitespace-only text got {refused.status}, not a 422 JSON: {refused.body}")
    if not found:
        print(f"smoke: {base_url} serves {ready.body.get('model_name')}/"
              f"{ready.body.get('model_version')}: {predicted.body['sentiment']}")  # fmt: skip
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inferno smoke", description=__doc__)
    parser.add_argument("url", help="base URL of the service, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--wait", type=float, default=120, help="seconds to wait for /ready (default 120)"
    )
    args = parser.parse_args(argv)
    try:
        found = problems(args.url.rstrip("/"), args.wait, os.environ.get(KEY_ENV) or None)
    except OSError as error:
        found = [f"{args.url} is unreachable: {error}"]
    for problem in found:
        print(f"smoke: FAILED: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
