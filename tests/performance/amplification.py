"""What one key holder's oversized validation errors cost the other clients (issue 19, item 1).

    .venv/bin/python -m tests.performance.amplification [--model-dir DIR] [--seconds 10]

One uvicorn process with client keys on a local store. A key holder sends, over four connections
and within its rate (8 a second, the audit's pace; `--attack-rate`), a 917 KiB body of 95,000
unknown fields (`{"0": 1, ..., "text": "x"}`) to `POST /predict`; meanwhile another client posts
one short text at a time. Prints the 422's size and time, and the other client's p50 and p99
alone and under attack, with the load average (the machine is shared).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from handlers.cli import keys_admin
from model_build.release.publish import publish
from model_build.sentiment.train_sentiment import TrainConfig, train_sentiment
from shared.auth.keys import ClientRecord
from shared.store.local import LocalStore
from tests.support.servers import uvicorn_server

ATTACK_CONNECTIONS = 4
Outcome = tuple[int, int, float]  # status, body bytes, seconds


def hostile_body(count: int) -> bytes:
    fields = {**{str(i): 1 for i in range(count)}, "text": "x"}
    return json.dumps(fields, separators=(",", ":")).encode()


def attack(
    url: str, key: str, body: bytes, rate: float, stop: threading.Event, seen: list[Outcome]
) -> None:
    """One connection's share of the attack: a request every ATTACK_CONNECTIONS / rate s
    (at once when the last one took longer)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    interval = ATTACK_CONNECTIONS / rate
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = client.post(url + "/predict", content=body, headers=headers)
            took = time.perf_counter() - started
            seen.append((response.status_code, len(response.content), took))
            stop.wait(max(0.0, interval - took))


def victim(url: str, key: str, seconds: float) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = client.post(url + "/predict", json={"text": "a fine day"}, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return latencies, statuses


def percentiles(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "p50_ms": round(cuts[49], 1), "p99_ms": round(cuts[98], 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, help="a trained sentiment model (else trained)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fields", type=int, default=95_000, help="unknown fields in the body")
    parser.add_argument("--attack-rate", type=float, default=8.0, help="requests/s, all in all")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="amplification-"))
    store = LocalStore(work / "store")
    model_dir = args.model_dir or work / "model"
    if args.model_dir is None:
        train_sentiment(model_dir, TrainConfig(max_rows=6000, with_vader=False))
    publish(model_dir, store, alias="production")
    # The attacker's rate is the default key's: 10 a second, 20 in any one second.
    attacker = keys_admin.create(store, ClientRecord(name="attacker"))
    other = keys_admin.create(store, ClientRecord(name="other", rate=1000, burst=1000))
    env = {"MODEL_DIR": str(store.root), "AUTH_MODE": "keys", "ACCESS_LOG_SAMPLE_RATE": "0"}
    body = hostile_body(args.fields)
    results: dict[str, object] = {"body_bytes": len(body), "load_average_before": os.getloadavg()}
    with uvicorn_server(env, work / "server.log") as server:
        results["alone"] = percentiles(victim(server.url, other, args.seconds / 2)[0])
        stop, seen = threading.Event(), list[Outcome]()
        threads = [
            threading.Thread(
                target=attack, args=(server.url, attacker, body, args.attack_rate, stop, seen)
            )
            for _ in range(ATTACK_CONNECTIONS)
        ]
        for thread in threads:
            thread.start()
        latencies, statuses = victim(server.url, other, args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
    by_status = dict(Counter(status for status, _, _ in seen))
    refused = [(size, took) for code, size, took in seen if 400 <= code < 500]
    results["attacker"] = {
        "statuses": by_status,
        "largest_refusal_bytes": max((size for size, _ in refused), default=0),
        "median_refusal_s": round(statistics.median(t for _, t in refused), 3) if refused else None,
    }
    results["under_attack"] = {**percentiles(latencies), "statuses": statuses}
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
