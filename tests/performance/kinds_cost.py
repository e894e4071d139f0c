"""Per-kind request cost: each model kind's single-item route under wrk at c=1 and c=64.

    python -m tests.performance.kinds_cost [--seconds 5]

Trains the four example models (sentiment on a subset), serves them side by side from one
local store under uvicorn, and prints req/s and latency per kind, with the load average (the
machine is shared: read the numbers against it).
"""

import argparse
import json
import os
import tempfile
from pathlib import Path

from model_build.examples.train_basket import train_basket
from model_build.examples.train_fraud import train_fraud
from model_build.examples.train_progression import train_progression
from model_build.release.artifacts import read_manifest
from model_build.release.publish import publish
from model_build.sentiment.train_sentiment import TrainConfig, train_sentiment
from shared.store.local import LocalStore
from tests.performance.loadgen import ensure_wrk, run_wrk
from tests.support.servers import uvicorn_server

KINDS = {
    "sentiment": "classification",
    "progression": "regression",
    "basket": "ranking",
    "fraud": "anomaly",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    wrk = ensure_wrk()
    root = Path(tempfile.mkdtemp(prefix="kinds-cost-"))
    train_sentiment(root / "sentiment", TrainConfig(max_rows=6000, with_vader=False))
    train_progression(root / "progression")
    train_basket(root / "basket")
    train_fraud(root / "fraud")
    store = LocalStore(root / "store")
    for name in KINDS:
        publish(root / name, store)
    rows = []
    with uvicorn_server({"MODEL_DIR": str(store.root)}, root / "server.log") as server:
        for name, kind in KINDS.items():
            bodies = root / f"{name}.jsonl"
            bodies.write_text(json.dumps(read_manifest(root / name).sample.input) + "\n")
            for connections in (1, 64):
                url = f"{server.url}/models/{name}/predict"
                result = run_wrk(wrk, url, bodies, connections, args.seconds)
                rows.append((kind, connections, result, os.getloadavg()[0]))
    print("| kind | c | req/s | p50 ms | p99 ms | errors | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|")
    for kind, connections, r, load in rows:
        print(
            f"| {kind} | {connections} | {r.requests_per_s:.0f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} | {load:.1f} |"
        )


if __name__ == "__main__":
    main()
