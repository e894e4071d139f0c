"""wrk, the load generator: install it when we may, run it, read its JSON summary."""

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LUA_SCRIPT = Path(__file__).with_name("post.lua")
# Counts responses by status (and 503s with Retry-After): slower, used where statuses matter.
STATUS_SCRIPT = Path(__file__).with_name("statuses.lua")
MARKER = "WRK_JSON "


class BenchError(RuntimeError):
    """The benchmark itself could not run (as opposed to a missed target)."""


@dataclass(frozen=True)
class LoadResult:
    connections: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # responses >= 400 plus socket errors (connect, read, write, timeout)
    error_detail: dict[str, int]
    statuses: dict[str, int] = field(default_factory=dict)  # with STATUS_SCRIPT only

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ensure_wrk() -> str:
    """The wrk binary; apt-get installs it when we run as root, otherwise say how."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError(
            "wrk is not installed: run `sudo apt-get install -y wrk`, then `make bench` again"
        )
    print("wrk is missing: installing it with apt-get", flush=True)
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(argv, check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk but it is not on PATH")
    return found


def run_wrk(
    wrk: str,
    url: str,
    bodies: Path,
    connections: int,
    seconds: int,
    script: Path = LUA_SCRIPT,
    timeout_s: int = 5,
    cpus: int | None = None,
) -> LoadResult:
    """One thread: on two cores the client gets one and the server the other (`cpus` pins it
    to that core, for a server pinned to the other)."""
    argv = [
        *(["taskset", "-c", str(cpus)] if cpus is not None else []),
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",  # wrk takes whole seconds
        "--timeout",
        f"{timeout_s}s",
        "-s",
        str(script),
        url,
        "--",
        str(bodies),
    ]
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + timeout_s + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        raise BenchError(
            f"wrk failed ({done.returncode}) against {url}:\n{done.stdout}\n{done.stderr}"
        )
    return _parse(json.loads(line[len(MARKER) :]), connections)


def _parse(raw: dict[str, Any], connections: int) -> LoadResult:
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors: dict[str, int] = raw["errors"]
    return LoadResult(
        connections=connections,
        seconds=round(seconds, 3),
        requests=raw["requests"],
        requests_per_s=round(raw["requests"] / seconds, 1),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        errors=sum(errors.values()),
        error_detail=errors,
        statuses=raw.get("statuses", {}),
    )
