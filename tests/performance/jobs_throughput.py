"""Records per second of `inferno jobs run` on this machine, with 1 and 2 worker processes.

    .venv/bin/python -m tests.performance.jobs_throughput [RECORDS] [--model-dir DIR]

Trains the quick sentiment model once (build/jobs-bench) unless --model-dir names a model
directory (e.g. build/model, the default model `make train` builds), writes synthetic JSONL
records to a local folder and runs the job, which scores, writes parts and the summary. The
per-record time of the 1-process run is what the README's cost table for AWS is computed from.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from handlers.cli.jobs.runner import run_job
from model_build.release.publish import publish
from model_build.sentiment.train_sentiment import TrainConfig, train_sentiment
from shared.store.local import LocalStore

WORDS = ["love", "hate", "great", "awful", "slow", "fast", "broken", "perfect", "refund", "price"]
MODEL_DIR = Path("build/jobs-bench/model")


def model_store(root: Path, model_dir: Path | None) -> LocalStore:
    if model_dir is None:
        model_dir = MODEL_DIR
        if not (MODEL_DIR / "manifest.json").exists():
            train_sentiment(MODEL_DIR, TrainConfig(max_rows=6000, with_vader=False))
    store = LocalStore(root / "store")
    publish(model_dir, store, alias="production")
    return store


def write_records(path: Path, count: int) -> None:
    n = len(WORDS)
    with path.open("w") as handle:
        for i in range(count):
            text = " ".join(WORDS[(i * k) % n] for k in (1, 3, 7, 11)) + f" order {i}"
            handle.write(json.dumps({"id": f"r{i}", "text": text}) + "\n")


def measure(records: int, model_dir: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = model_store(root, model_dir)
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


def main(argv: list[str] | None = None) -> int:
    doc = (__doc__ or "").split("\n\n", 1)
    parser = argparse.ArgumentParser(
        prog="python -m tests.performance.jobs_throughput",
        description=doc[0],
        epilog=doc[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("records", nargs="?", type=int, default=100_000, help="(100000)")
    parser.add_argument(
        "--model-dir", type=Path, help="a model directory to measure (default: the quick model)"
    )
    args = parser.parse_args(argv)
    rates = measure(args.records, args.model_dir)
    print(json.dumps({k: round(v, 1) for k, v in rates.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
