"""`peers`: this service against plain FastAPI + joblib and LitServe with its batching, each with
1 and 2 workers, on the same model and in one run (issue 24's table), beside the model's own
speed in-process on one core.

Servers run one at a time, each measured at c=1 and c=64 in turn; two passes in alternating
order, so drift on a shared machine hits all alike; medians count."""

import json
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from handlers.server.cpu_budget import WEB_CONCURRENCY
from tests.performance import model_speed, peer_venv
from tests.performance.loadgen import BenchError, LoadResult, run_wrk
from tests.performance.processes import (
    PORT,
    Server,
    image_command,
    start_server,
    stop_server,
    uvicorn_command,
)
from tests.performance.report import Target, ratio

PASSES = 2
CONNECTIONS = (1, 64)
WORKER_COUNTS = (1, 2)
LITSERVE = "litserve==0.2.19"  # the version issue 24 measured
LITSERVE_APP = Path(__file__).with_name("peer_apps") / "litserve_app.py"
LABELS = {
    "ours": "this service",
    "fastapi": "plain FastAPI + joblib",
    "litserve": "LitServe 0.2.19, batching (64, 5 ms)",
}
# Issue 24's targets.
FLOOR_SHARE_MIN = 0.30  # ours, 1 worker, c=64, against the model's batched floor
P99_MAX_MS = 75.0  # ours, 1 worker, c=64: the p99 measured before ("no worse")
C1_MIN_RATIO = 1.1  # ours against plain FastAPI at one connection


@dataclass(frozen=True)
class Peer:
    server: str  # a key of LABELS
    workers: int
    command: list[str]
    env: dict[str, str]
    ready: tuple[str, str, bytes | None]
    alive: str | None = None
    loaded_lines: bool = False  # ours logs each worker's model load: wait for all of them

    @property
    def key(self) -> str:
        return f"{self.server}-{self.workers}"


@dataclass
class Samples:
    starts: list[float] = field(default_factory=list)
    runs: dict[int, list[LoadResult]] = field(default_factory=lambda: {c: [] for c in CONNECTIONS})


def lineup(
    ours_env: dict[str, str], joblib_path: Path, litserve_python: Path, first: bytes
) -> list[Peer]:
    """Every server at each worker count: ours as the image runs it, the others on POST /predict."""
    baseline_env = {"INFERNO_BASELINE_MODEL": str(joblib_path)}
    found: list[Peer] = []
    for workers in WORKER_COUNTS:
        found += [
            Peer(
                "ours",
                workers,
                image_command(),
                {**ours_env, WEB_CONCURRENCY: str(workers)},
                ("GET", "/ready", None),
                alive="/health",
                loaded_lines=True,
            ),
            Peer(
                "fastapi",
                workers,
                uvicorn_command("tests.performance.baseline.app:app", workers),
                baseline_env,
                ("POST", "/predict", first),
            ),
            Peer(
                "litserve",
                workers,
                [str(litserve_python), str(LITSERVE_APP), PORT, str(workers)],
                baseline_env,
                ("POST", "/predict", first),
            ),
        ]
    return found


def run(
    wrk: str,
    ours_env: dict[str, str],
    model_dir: Path,
    joblib_path: Path,
    singles: Path,
    texts: list[str],
    scratch: Path,
    options: dict[str, int],
) -> dict[str, Any]:
    """`options`: seconds, warmup and starts, as the bench was given them."""
    seconds, warmup = options["seconds"], options["warmup"]
    core = (os.cpu_count() or 1) - 1
    print(f"peers: the model in-process on core {core}", flush=True)
    speed = model_speed.measure_on_core(model_dir, texts, max(1.0, seconds / 2), core)
    litserve_python = peer_venv.ensure_venv("litserve", [LITSERVE])
    first = json.dumps({"text": texts[0]}).encode()
    peers = lineup(ours_env, joblib_path, litserve_python, first)
    samples = {peer.key: Samples() for peer in peers}
    answers: dict[str, list[str]] = {}
    for pass_ in range(max(PASSES, options["starts"])):
        measured = pass_ < PASSES  # later passes only time more starts
        for peer in peers if pass_ % 2 == 0 else list(reversed(peers)):
            server = _start(peer, scratch)
            try:
                samples[peer.key].starts.append(server.cold_start_s)
                if measured:
                    answers[peer.key] = _answers(server, texts)
                    _measure(wrk, peer, server, singles, samples[peer.key], seconds, warmup)
            finally:
                stop_server(server)
    _check_same_answers(answers)
    return {"model": speed, "passes": PASSES, "rows": _rows(peers, samples)}


def _start(peer: Peer, scratch: Path) -> Server:
    workers = peer.workers if peer.loaded_lines else 1
    return start_server(
        peer.key, peer.command, peer.env, scratch, peer.ready, alive=peer.alive, workers=workers
    )


def _measure(
    wrk: str,
    peer: Peer,
    server: Server,
    singles: Path,
    samples: Samples,
    seconds: int,
    warmup: int,
) -> None:
    url = server.url + "/predict"
    run_wrk(wrk, url, singles, max(CONNECTIONS), warmup)
    for connections in CONNECTIONS:
        result = run_wrk(wrk, url, singles, connections, seconds)
        samples.runs[connections].append(result)
        print(
            f"  {peer.key:11} c={connections:<3} {result.requests_per_s:8.1f} req/s  "
            f"p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms  errors {result.errors}",
            flush=True,
        )


def _answers(server: Server, texts: list[str]) -> list[str]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        return [
            client.post("/predict", json={"text": text}).raise_for_status().json()["sentiment"]
            for text in texts
        ]


def _check_same_answers(answers: dict[str, list[str]]) -> None:
    """Every server must serve the same model, or the table compares nothing."""
    reference = answers["fastapi-1"]
    for key, labels in answers.items():
        if labels != reference:
            raise BenchError(f"{key} answers {labels}, plain FastAPI {reference}: not one model")


def _rows(peers: list[Peer], samples: dict[str, Samples]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for peer in peers:
        taken = samples[peer.key]
        rows[peer.key] = {
            "server": peer.server,
            "workers": peer.workers,
            "start_to_ready_s": round(statistics.median(taken.starts), 3),
            "starts": taken.starts,
            **{f"c{c}": _median_run(runs) for c, runs in taken.runs.items()},
        }
    return rows


def _median_run(runs: list[LoadResult]) -> dict[str, float]:
    return {
        "requests_per_s": round(statistics.median(r.requests_per_s for r in runs), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
        "errors": sum(r.errors for r in runs),
    }


def targets(section: dict[str, Any]) -> list[Target]:
    rows, floor = section["rows"], section["model"]["fitted"]["64"]
    ours_c64 = rows["ours-1"][f"c{max(CONNECTIONS)}"]
    found = [
        Target(
            "ours, 1 worker, c=64 req/s / the fitted model's batched floor (batch 64, one core, "
            "scikit-learn's own call, as issue 24 measured it)",
            ratio(ours_c64["requests_per_s"], floor),
            FLOOR_SHARE_MIN,
            True,
        ),
        Target(
            "ours, 1 worker, c=64 p99 ms (issue 24: 75 before)",
            ours_c64["p99_ms"],
            P99_MAX_MS,
            False,
        ),
    ]
    for workers in WORKER_COUNTS:
        ours, fastapi, litserve = (rows[f"{s}-{workers}"] for s in ("ours", "fastapi", "litserve"))
        found += [
            Target(
                f"c=1 req/s, ours / plain FastAPI, {workers} worker(s)",
                ratio(ours["c1"]["requests_per_s"], fastapi["c1"]["requests_per_s"]),
                C1_MIN_RATIO,
                True,
            ),
            Target(
                f"start to ready, ours / LitServe, {workers} worker(s)",
                ratio(ours["start_to_ready_s"], litserve["start_to_ready_s"]),
                1.0,
                False,
            ),
        ]
    return found


def markdown(section: dict[str, Any]) -> list[str]:
    model, rows = section["model"], section["rows"]
    fitted, served = model["fitted"], model["served"]
    lines = [
        "## Peers: the same model behind this service, plain FastAPI and LitServe "
        f"(medians of {section['passes']} alternating passes)",
        "",
        f"The model in-process on one core (core {model['core']}), as fitted (scikit-learn's "
        f"own predict_proba): {fitted['1']:,.0f} texts/s at batch 1, {fitted['64']:,.0f} at "
        f"batch 64 (the batched floor); as this service runs it (its linear plan): "
        f"{served['1']:,.0f} and {served['64']:,.0f}. Peers call it as fitted.",
        "",
        "| server | workers | c=1 req/s | c=1 p50 ms | c=1 p99 ms | c=64 req/s | c=64 p50 ms "
        "| c=64 p99 ms | errors | start to ready s | c=64 / batched floor, fitted "
        "| c=64 / batched floor, as served |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows.values():
        one, many = row["c1"], row["c64"]
        lines.append(
            f"| {LABELS[row['server']]} | {row['workers']} | {one['requests_per_s']:,.0f} "
            f"| {one['p50_ms']:.2f} | {one['p99_ms']:.2f} | {many['requests_per_s']:,.0f} "
            f"| {many['p50_ms']:.2f} | {many['p99_ms']:.2f} | {one['errors'] + many['errors']} "
            f"| {row['start_to_ready_s']:.2f} | {many['requests_per_s'] / fitted['64']:.0%} "
            f"| {many['requests_per_s'] / served['64']:.0%} |"
        )
    return [*lines, ""]
