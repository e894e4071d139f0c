"""What capture costs the request path: POST /predict at c=64 with capture off (no sample, no
receipts) and on as deployed (a 10% sample written by a background thread, plus a receipt of
every prediction for POST /feedback), in the same run.

Both servers run side by side, idle while the other is measured; the runs alternate, `ROUNDS`
each, which goes first alternating too, and the medians are compared, so drift on a shared
machine hits both alike.
"""

import statistics
from pathlib import Path
from typing import Any

from tests.performance.loadgen import LoadResult, run_wrk
from tests.performance.processes import Server, start_server, uvicorn_command
from tests.performance.report import Target
from tests.support.servers import stop_process

CONNECTIONS = 64
ROUNDS = 4  # even: each configuration goes first as often as the other
SAMPLE_RATE = 0.1
LATENCY_MAX_RATIO = 1.1  # issue 21: capture at 10% adds at most 10% to c=64 latency


def configurations(scratch: Path) -> dict[str, dict[str, str]]:
    return {
        "off": {"CAPTURE_SAMPLE_RATE": "0", "FEEDBACK_RECEIPTS": "false"},
        "on": {
            "CAPTURE_SAMPLE_RATE": str(SAMPLE_RATE),
            "CAPTURE_DIR": str(scratch / "capture"),
            "RECEIPTS_PATH": str(scratch / "receipts.sqlite3"),
        },
    }


def run(
    wrk: str, env: dict[str, str], singles: Path, scratch: Path, seconds: int, warmup: int
) -> dict[str, Any]:
    # Two servers at once: each without the health port (one port, one server).
    base = {k: v for k, v in env.items() if k != "HEALTH_PORT"}
    servers: dict[str, Server] = {}
    warmed = 0  # requests of the `on` server's warm-up, captured too
    try:
        for name, extra in configurations(scratch).items():
            servers[name] = start_server(
                f"capture-{name}",
                uvicorn_command("handlers.http.app:app", 1),
                {**base, **extra},
                scratch,
                ("GET", "/ready", None),
            )
            warm = run_wrk(wrk, servers[name].url + "/predict", singles, CONNECTIONS, warmup)
            warmed = warm.requests if name == "on" else warmed
        runs: dict[str, list[LoadResult]] = {name: [] for name in servers}
        for round_ in range(ROUNDS):
            order = list(servers.items())
            for name, server in order if round_ % 2 == 0 else reversed(order):
                result = run_wrk(wrk, server.url + "/predict", singles, CONNECTIONS, seconds)
                runs[name].append(result)
                print(
                    f"  capture {name:3} round {round_ + 1}: {result.requests_per_s:8.1f} req/s  "
                    f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms",
                    flush=True,
                )
    finally:
        for server in servers.values():
            stop_process(server.process)
    captured = sum(1 for path in (scratch / "capture").rglob("*.jsonl") for _ in path.open())
    return summary(runs, captured, warmed)


def summary(runs: dict[str, list[LoadResult]], captured: int, warmed: int) -> dict[str, Any]:
    medians = {
        name: {
            "requests_per_s": statistics.median(r.requests_per_s for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "requests": sum(r.requests for r in results),
            "errors": sum(r.errors for r in results),
        }
        for name, results in runs.items()
    }
    on, off = medians["on"], medians["off"]
    return {
        "connections": CONNECTIONS,
        "rounds": ROUNDS,
        "sample_rate": SAMPLE_RATE,
        "medians": medians,
        "captured_records": captured,
        "captured_share": round(captured / (on["requests"] + warmed), 4),
        "ratios": {
            "p50": round(on["p50_ms"] / off["p50_ms"], 3),
            "p99": round(on["p99_ms"] / off["p99_ms"], 3),
            "throughput": round(on["requests_per_s"] / off["requests_per_s"], 3),
        },
    }


def targets(section: dict[str, Any]) -> list[Target]:
    return [
        Target(
            f"median latency with capture at {SAMPLE_RATE:.0%} / off, c={CONNECTIONS}",
            section["ratios"]["p50"],
            LATENCY_MAX_RATIO,
            False,
        )
    ]


def markdown(section: dict[str, Any]) -> list[str]:
    lines = [
        f"## Capture: POST /predict at c={section['connections']}, capture at "
        f"{section['sample_rate']:.0%} (+ a receipt per prediction) against off "
        f"(medians of {section['rounds']} alternating runs)",
        "",
        "| capture | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in section["medians"].items():
        lines.append(
            f"| {name} | {row['requests_per_s']:.1f} | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} | {row['errors']} |"
        )
    ratios = section["ratios"]
    lines += [
        "",
        f"On / off: p50 x{ratios['p50']}, p99 x{ratios['p99']}, throughput "
        f"x{ratios['throughput']}; {section['captured_records']} records captured "
        f"({section['captured_share']:.1%} of what the `on` server answered).",
        "",
    ]
    return lines
