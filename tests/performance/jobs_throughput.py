"""Records per second of `inferno jobs run` on this machine, with 1 and 2 worker processes.

    python -m tests.performance.jobs_throughput [RECORDS]

Trains the quick sentiment model once (build/jobs-bench), writes synthetic JSONL records to a
local folder and runs the job, which scores, writes parts and the summary. The per-record time
of the 1-process run is what the README's cost table for AWS is computed from.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

from model_build.publish import publish
from model_build.train_sentiment import TrainConfig, train_sentiment
from shared.jobs.runner import run_job
from shared.store.local import LocalStore

WORDS = ["love", "hate", "great", "awful", "slow", "fast", "broken", "perfect", "refund", "price"]
MODEL_DIR = Path("build/jobs-bench/model")


def model_store(root: Path) -> LocalStore:
    if not (MODEL_DIR / "manifest.json").exists():
        train_sentiment(MODEL_DIR, TrainConfig(max_rows=6000, with_vader=False))
    store = LocalStore(root / "store")
    publish(MODEL_DIR, store, alias="production")
    return store


def write_records(path: Path, count: int) -> None:
    n = len(WORDS)
    with path.open("w") as handle:
        for i in range(count):
            text = " ".join(WORDS[(i * k) % n] for k in (1, 3, 7, 11)) + f" order {i}"
            handle.write(json.dumps({"id": f"r{i}", "text": text}) + "\n")


def measure(records: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = model_store(root)
        write_records(root / "in.jsonl", records)
        rates: dict[str, float] = {}
        for workers in (1, 2):
            started = time.perf_counter()
            summary = run_job(
                store,
                input_uri=str(root / "in.jsonl"),
                output_uri=str(root / f"out-{workers}"),
                model="sentiment",
                workers=workers,
            )
            elapsed = time.perf_counter() - started
            assert summary["records"] == records and summary["errors"] == 0
            rates[f"{workers} process"] = records / elapsed
            rates[f"{workers} process, µs per record"] = elapsed / records * 1e6
        return rates


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps({k: round(v, 1) for k, v in measure(count).items()}, indent=2))
