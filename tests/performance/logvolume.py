"""Log bytes per request: stdout of one server during a /predict run, access log fully on
(ACCESS_LOG_SAMPLE_RATE=1.0) and at the rate Terraform deploys. The EMF flushed at shutdown is
counted too: it is part of what CloudWatch ingests for those requests."""

from pathlib import Path
from typing import Any

from tests.iac.infra import load_terraform
from tests.performance.loadgen import run_wrk
from tests.performance.processes import start_server, uvicorn_command
from tests.support.servers import stop_process

CONNECTIONS = 16


def deployed_rate() -> float:
    rate: float = load_terraform().variables["access_log_sample_rate"]["default"]
    return rate


def run(
    wrk: str, env: dict[str, str], singles: Path, scratch: Path, seconds: int
) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for rate in (1.0, deployed_rate()):
        name = f"logs-{rate:g}"
        server = start_server(
            name,
            uvicorn_command("handlers.http.app:app", 1),
            {**env, "ACCESS_LOG_SAMPLE_RATE": str(rate)},
            scratch,
            ("GET", "/ready", None),
        )
        try:
            before = server.log_bytes()
            result = run_wrk(wrk, server.url + "/predict", singles, CONNECTIONS, seconds)
        finally:
            stop_process(server.process)  # its shutdown flush writes the run's metrics
        written = server.log_bytes() - before
        per_request = written / result.requests if result.requests else 0.0
        # Bytes per request = MB per million requests.
        rows[f"{rate:g}"] = {
            "requests": result.requests,
            "bytes": written,
            "bytes_per_request": round(per_request, 1),
        }
    return {"connections": CONNECTIONS, "rows": rows}


def markdown(result: dict[str, Any]) -> list[str]:
    lines = [
        f"## Log volume: stdout of one server, POST /predict at c={result['connections']}",
        "",
        "| ACCESS_LOG_SAMPLE_RATE | requests | bytes | bytes/request = MB per million |",
        "|---:|---:|---:|---:|",
    ]
    for rate, row in result["rows"].items():
        lines.append(
            f"| {rate} | {row['requests']} | {row['bytes']} | {row['bytes_per_request']} |"
        )
    return [*lines, ""]
