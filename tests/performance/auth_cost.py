"""What client keys cost per request: the same service with AUTH_MODE=none, then =keys.

    .venv/bin/python -m tests.performance.auth_cost [--seconds 10]

One uvicorn process at a time on a local store, wrk on POST /predict: latency at c=1, throughput
at c=64; prints both runs and the load average, which says how busy the shared machine was.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from handlers.cli import keys_admin
from shared.auth.keys import ClientRecord
from shared.store.local import LocalStore
from tests.performance.loadgen import ensure_wrk
from tests.support.servers import ROOT, uvicorn_server

MODEL = ROOT / "tests/performance/results/model"
SCRIPT = Path(__file__).with_name("post_keyed.lua")
MARKER = "WRK_JSON "


def wrk(url: str, bodies: Path, key: str, connections: int, seconds: int) -> dict[str, float]:
    argv = [ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(SCRIPT)]
    done = subprocess.run(
        [*argv, url + "/predict", "--", str(bodies), key],
        capture_output=True,
        text=True,
        check=True,
    )
    raw = json.loads(next(ln for ln in done.stdout.splitlines() if ln.startswith(MARKER))[9:])
    lat = raw["latency_us"]
    return {
        "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": lat["p50"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "non_2xx": raw["errors"]["status"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="auth-cost-"))
    store = LocalStore(work / "store")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "handlers.cli.main",
            "publish",
            str(MODEL),
            "--store",
            str(store.root),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    big = ClientRecord(
        name="bench", rate=100_000, burst=100_000, item_rate=100_000, item_burst=100_000
    )
    key = keys_admin.create(store, big)
    bodies = work / "bodies.jsonl"
    bodies.write_text(json.dumps({"text": "what a lovely day, truly"}) + "\n")
    results: dict[str, object] = {"load_average_before": os.getloadavg()}
    for mode, presented in (("none", ""), ("keys", key)):
        env = {"MODEL_DIR": str(store.root), "AUTH_MODE": mode, "ACCESS_LOG_SAMPLE_RATE": "0"}
        with uvicorn_server(env, work / f"{mode}.log") as server:
            wrk(server.url, bodies, presented, 4, 2)  # warm-up
            results[mode] = {
                "c1": wrk(server.url, bodies, presented, 1, args.seconds),
                "c64": wrk(server.url, bodies, presented, 64, args.seconds),
            }
            assert key not in server.log()
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
