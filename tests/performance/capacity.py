"""`capacity`: requests/s per vCPU at a stated p99, what autoscaling and sizing are built on.

Our service as the image runs it with one worker, pinned to one core (`taskset`, every process
of it: supervisor, worker, health port), wrk pinned to another; the connection count steps up
and the capacity is the highest req/s whose p99 stays within the bound, with no error.
`--record-capacity` writes it to capacity.json (committed) and rewrites what derives from it:
the Terraform default of `requests_per_target` and the deploy guide's sizing section."""

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from handlers.server.cpu_budget import WEB_CONCURRENCY
from tests.performance import sizing
from tests.performance.loadgen import BenchError, LoadResult, run_wrk
from tests.performance.processes import image_command, start_server, stop_server
from tests.performance.report import Target
from tests.support.servers import ROOT

STEPS = (8, 16, 32, 64, 128)
ROUNDS = 2  # medians of the two count
P99_BOUND_MS = 100.0
CLIENT_CORE = 0


def run(
    wrk: str, env: dict[str, str], singles: Path, scratch: Path, seconds: int, warmup: int
) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    if cores < 2:
        raise BenchError("capacity needs two cores: one for the server, one for wrk")
    core = cores - 1
    server = start_server(
        "capacity",
        ["taskset", "-c", str(core), *image_command()],
        {**env, WEB_CONCURRENCY: "1"},
        scratch,
        ("GET", "/ready", None),
        alive="/health",
    )
    runs: dict[int, list[LoadResult]] = {c: [] for c in STEPS}
    load_before = os.getloadavg()[0]
    try:
        url = server.url + "/predict"
        run_wrk(wrk, url, singles, STEPS[-1], warmup, cpus=CLIENT_CORE)
        for round_ in range(ROUNDS):  # up, then down: drift on the machine hits every step alike
            for connections in STEPS if round_ % 2 == 0 else STEPS[::-1]:
                result = run_wrk(wrk, url, singles, connections, seconds, cpus=CLIENT_CORE)
                runs[connections].append(result)
                print(
                    f"  capacity c={connections:<3} {result.requests_per_s:8.1f} req/s  "
                    f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}",
                    flush=True,
                )
    finally:
        stop_server(server)
    steps = {c: _median(c, results) for c, results in runs.items()}
    within = [r for r in steps.values() if r["p99_ms"] <= P99_BOUND_MS and r["errors"] == 0]
    return {
        "p99_bound_ms": P99_BOUND_MS,
        "rounds": ROUNDS,
        "server_core": core,
        "start_to_ready_s": server.cold_start_s,
        # Another load on the machine lowers the figure: a record says how busy it was.
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "steps": steps,
        "best": max(within, key=lambda r: r["requests_per_s"], default=None),
    }


def _median(connections: int, results: list[LoadResult]) -> dict[str, Any]:
    return {
        "connections": connections,
        "requests_per_s": round(statistics.median(r.requests_per_s for r in results), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in results), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in results), 2),
        "errors": sum(r.errors for r in results),
    }


def record(section: dict[str, Any], commit: str) -> dict[str, Any]:
    """Write capacity.json, the Terraform default and the guide's sizing from this run."""
    best = section["best"]
    if best is None:
        raise BenchError(f"no step kept p99 within {P99_BOUND_MS:g} ms: nothing to record")
    written = {
        "requests_per_s_per_vcpu": best["requests_per_s"],
        "p99_bound_ms": section["p99_bound_ms"],
        "connections": best["connections"],
        "p99_ms": best["p99_ms"],
        "start_to_ready_s": section["start_to_ready_s"],
        "load_average_1m": section["load_average_1m"],
        "commit": commit,
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
    }
    sizing.RECORD.write_text(json.dumps(written, indent=2) + "\n")
    footprint = sizing.Footprint.from_terraform()
    target = sizing.requests_per_target(written["requests_per_s_per_vcpu"], footprint.task_cpu)
    sizing.write_terraform_default(target)
    sizing.write_guide(sizing.guide_section(written, footprint))
    print(
        f"capacity: recorded {written['requests_per_s_per_vcpu']:,.0f} req/s per vCPU in "
        f"{sizing.RECORD.relative_to(ROOT)}; requests_per_target = {target:,} in "
        f"{sizing.VARIABLES.relative_to(ROOT)}; sizing in {sizing.GUIDE.relative_to(ROOT)}",
        flush=True,
    )
    return written


def machine() -> str:
    """The CPU model and core count: a capacity figure means little without them."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        platform.processor() or platform.machine(),
    )
    return f"{model}, {os.cpu_count()} cores, Linux {platform.release()}"


def targets(section: dict[str, Any]) -> list[Target]:
    best = section["best"]
    measured = best["requests_per_s"] if best else 0.0
    return [Target(f"req/s per vCPU at p99 <= {P99_BOUND_MS:g} ms (found)", measured, 1, True)]


def markdown(section: dict[str, Any]) -> list[str]:
    lines = [
        f"## Capacity: one worker pinned to core {section['server_core']}, wrk on core "
        f"{CLIENT_CORE}, p99 bound {section['p99_bound_ms']:g} ms (medians of "
        f"{section['rounds']} rounds; 1-min load average {section['load_average_1m']})",
        "",
        "| connections | req/s | p50 ms | p99 ms | errors |",
        "|---:|---:|---:|---:|---:|",
    ]
    for connections, r in section["steps"].items():
        lines.append(
            f"| {connections} | {r['requests_per_s']:,.0f} | {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {r['errors']} |"
        )
    best, recorded = section["best"], sizing.load_record()
    footprint = sizing.Footprint.from_terraform()
    lines.append("")
    if best:
        target = sizing.requests_per_target(best["requests_per_s"], footprint.task_cpu)
        lines.append(
            f"Capacity: {best['requests_per_s']:,.0f} req/s per vCPU (c={best['connections']}); "
            f"start to ready {section['start_to_ready_s']:.2f} s. Would make requests_per_target "
            f"{target:,} on {footprint.task_cpu} CPU units at headroom {sizing.HEADROOM}."
        )
    lines += [
        f"Recorded (tests/performance/capacity.json): {recorded['requests_per_s_per_vcpu']:,.0f} "
        f"req/s per vCPU, commit {recorded['commit']}, {recorded['date']}; Terraform default "
        f"{load_default()}. `--record-capacity` replaces them with this run's.",
        "",
    ]
    return lines


def load_default() -> int:
    from tests.iac.infra import load_terraform

    default: int = load_terraform().variables["requests_per_target"]["default"]
    return default
