"""Every core: the image's command with its own choice of workers against one worker, at c=64."""

from pathlib import Path
from typing import Any

from handlers.server.cpu_budget import WEB_CONCURRENCY, worker_count
from tests.performance.loadgen import run_wrk
from tests.performance.processes import image_command, start_server
from tests.performance.report import Target, ratio
from tests.support.servers import stop_process

CONNECTIONS = 64
MIN_RATIO = 1.4
ONE, CHOICE = "WEB_CONCURRENCY=1", "image's choice"


def run(
    wrk: str, env: dict[str, str], singles: Path, scratch: Path, seconds: int, warmup: int
) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for name, extra in ((ONE, {WEB_CONCURRENCY: "1"}), (CHOICE, {})):
        server_env = {**env, **extra}
        workers = worker_count(server_env)  # the bench hands servers no other variables
        server = start_server(
            name, image_command(), server_env, scratch, ("GET", "/ready", None), "/health", workers
        )
        try:
            run_wrk(wrk, server.url + "/predict", singles, CONNECTIONS, warmup)
            result = run_wrk(wrk, server.url + "/predict", singles, CONNECTIONS, seconds)
            rows[name] = {
                "workers": workers,
                "alive_s": server.alive_s,
                "cold_start_s": server.cold_start_s,
                "peak_rss_mb": server.peak_rss_mb(),
                "result": result.as_dict(),
            }
        finally:
            stop_process(server.process)
    speedup = ratio(rows[CHOICE]["result"]["requests_per_s"], rows[ONE]["result"]["requests_per_s"])
    return {"connections": CONNECTIONS, "rows": rows, "speedup": speedup}


def targets(result: dict[str, Any]) -> list[Target]:
    workers = result["rows"][CHOICE]["workers"]
    name = f"/predict req/s at c={CONNECTIONS}, image's choice ({workers} workers) / 1 worker"
    return [Target(name, result["speedup"], MIN_RATIO, True)]


def markdown(result: dict[str, Any]) -> list[str]:
    lines = [
        f"## Workers: the image's command, POST /predict at c={result['connections']}",
        "",
        "| run | workers | req/s | p50 ms | p99 ms | errors | /health s | /ready s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in result["rows"].items():
        r = row["result"]
        lines.append(
            f"| {name} | {row['workers']} | {r['requests_per_s']:.0f} | {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {r['errors']} | {row['alive_s']} | {row['cold_start_s']} "
            f"| {row['peak_rss_mb']} |"
        )
    return [*lines, "", f"Speed-up: {result['speedup']}x.", ""]
