"""Two configurations of the same server measured in one run: both started side by side, each
idle while the other is measured, `rounds` alternating runs with the first alternating too, so
drift on a shared machine hits both alike. Medians are compared."""

import os
import statistics
from pathlib import Path
from typing import Any

from tests.performance.loadgen import LoadResult, run_wrk
from tests.performance.processes import Server, start_server, uvicorn_command
from tests.support.servers import stop_process


def measure(
    label: str,
    wrk: str,
    configurations: dict[str, dict[str, str]],
    body: Path,
    scratch: Path,
    connections: int,
    rounds: int,
    seconds: int,
    warmup: int,
) -> tuple[dict[str, list[LoadResult]], dict[str, list[float]], dict[str, int]]:
    """Per configuration: each run's result, the server's CPU per request in each run, and how
    many requests its warm-up sent."""
    servers: dict[str, Server] = {}
    warmed: dict[str, int] = {}
    try:
        for name, env in configurations.items():
            # Two servers at once: each without the health port (one port, one server).
            servers[name] = start_server(
                f"{label}-{name}",
                uvicorn_command("handlers.http.app:app", 1),
                {k: v for k, v in env.items() if k != "HEALTH_PORT"},
                scratch,
                ("GET", "/ready", None),
            )
            warmed[name] = run_wrk(
                wrk, servers[name].url + "/predict", body, connections, warmup
            ).requests
        runs: dict[str, list[LoadResult]] = {name: [] for name in servers}
        cpu: dict[str, list[float]] = {name: [] for name in servers}
        for round_ in range(rounds):
            order = list(servers.items())
            for name, server in order if round_ % 2 == 0 else reversed(order):
                used = cpu_seconds(server)
                result = run_wrk(wrk, server.url + "/predict", body, connections, seconds)
                # CPU per request: what the server spent, whatever else the machine ran
                cpu[name].append((cpu_seconds(server) - used) * 1e6 / max(1, result.requests))
                runs[name].append(result)
                print(
                    f"  {label} {name:3} round {round_ + 1}: {result.requests_per_s:8.1f} req/s  "
                    f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                    f"CPU {cpu[name][-1]:6.0f} us/request",
                    flush=True,
                )
    finally:
        for server in servers.values():
            stop_process(server.process)
    return runs, cpu, warmed


def medians(runs: dict[str, list[LoadResult]], cpu: dict[str, list[float]]) -> dict[str, Any]:
    return {
        name: {
            "requests_per_s": statistics.median(r.requests_per_s for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "cpu_us_per_request": round(statistics.median(cpu[name]), 1),
            "requests": sum(r.requests for r in results),
            "errors": sum(r.errors for r in results),
        }
        for name, results in runs.items()
    }


def ratios(on: dict[str, Any], off: dict[str, Any]) -> dict[str, float]:
    """The `on` server's medians over the `off` one's: throughput, p50, p99, CPU per request."""
    return {
        "throughput": round(on["requests_per_s"] / off["requests_per_s"], 3),
        "p50": round(on["p50_ms"] / off["p50_ms"], 3),
        "p99": round(on["p99_ms"] / off["p99_ms"], 3),
        "cpu_per_request": round(on["cpu_us_per_request"] / off["cpu_us_per_request"], 3),
    }


def cpu_seconds(server: Server) -> float:
    """User and system CPU time of the server's process (its threads included) so far."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
