"""Where one request's time goes, at 1 and at 64 connections (the table in PROFILE.md).

    .venv/bin/python -m tests.performance.profile_request [--commit REV] [--seconds 8]

Serves the bench's default model as the image does (one worker, the health port, the deployed
access-log share) from this checkout, or from REV checked out in a scratch worktree so that an
earlier version is profiled with today's tools. wrk drives `POST /predict` while py-spy samples
the thread that holds the GIL: a worker runs one thread of Python at a time, so that time is
what a request costs it. Each sample is put in the component of its innermost frame that names
one (COMPONENTS); the table gives microseconds per request. The process's CPU time per request
(every thread, from /proc) and the allocations per request (memray, the app driven in-process
without a server) are beside it.
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from handlers.server.cpu_budget import WEB_CONCURRENCY
from tests.performance import bench, logvolume
from tests.performance.loadgen import ensure_wrk, run_wrk
from tests.performance.paired import cpu_seconds
from tests.performance.processes import image_command, start_server, stop_server
from tests.support.servers import ROOT, free_port

SAMPLES_PER_SECOND = 250
CONNECTIONS = (1, 64)
ALLOCATION_REQUESTS = 300
# Anything under the served model's call is the model's, whatever library it runs; so is a
# stack of the numeric libraries alone (a generator resumed from C code shows no callers).
MODEL = (
    "model (scikit-learn)",
    r"LoadedModel\.predict \(|^\S+ \((sklearn|scipy|numpy|narwhals|joblib)/",
)
# (component, pattern on "function (file:line)"): a sample is the first component one of its
# frames matches, walking from the innermost frame out.
COMPONENTS: list[tuple[str, str]] = [
    ("JSON", r"\(json/|model_dump_json|render \(starlette/responses"),
    ("logging", r"aws_lambda_powertools/logging|\(logging/"),
    ("metrics", r"shared/observability/(metrics|emf)|aws_lambda_powertools/metrics"),
    ("tracing", r"aws_lambda_powertools/tracing|observability/notrace"),
    ("validation (pydantic, kinds)", r"pydantic|fastapi/_compat|kinds/"),
    ("answer listeners (capture, events, rollouts)", r"shared/(capture|events|rollouts)/|answers"),
    ("FastAPI (dependencies, routing, encoding)", r"\(fastapi/"),
    ("Starlette (requests, middleware)", r"\(starlette/"),
    ("our middleware (request context, admission, lane)", r"handlers/http/"),
    (
        "batcher and the inference hand-off",
        r"serving/(batching|isolation)|concurrent/futures|\(asyncio/|threading\.py",
    ),
    ("prediction path", r"shared/serving/"),
    ("uvicorn (HTTP protocol)", r"\(uvicorn/|httptools"),
]
EVENT_LOOP_NATIVE = "event loop, native (uvloop: sockets, polling, callbacks)"
OTHER = "other"


def component(frames: list[str]) -> str:
    """The component of one sampled stack (outermost frame first)."""
    if frames and frames[-1].startswith("Runner.run ("):
        return EVENT_LOOP_NATIVE  # no Python frame below the loop: uvloop's own C code
    if any(re.search(MODEL[1], frame) for frame in frames):
        return MODEL[0]
    for frame in reversed(frames):
        for name, pattern in COMPONENTS:
            if re.search(pattern, frame):
                return name
    return OTHER


def per_request(raw: Path, requests: int) -> dict[str, float]:
    """Microseconds per request by component, from py-spy's raw (collapsed) output."""
    samples: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [
            frame
            for frame in stack.split(";")
            if not frame.startswith(("process ", "thread ("))  # with --threads, --subprocesses
        ]
        samples[component(frames)] += int(count)
    return {
        name: round(count / SAMPLES_PER_SECOND / max(requests, 1) * 1e6, 1)
        for name, count in samples.most_common()
    }


@contextmanager
def checkout(commit: str | None) -> Iterator[Path]:
    """This checkout, or `commit` in a scratch worktree (removed afterwards)."""
    if commit is None:
        yield ROOT
        return
    scratch = Path(tempfile.mkdtemp(prefix="inferno-profile-"))
    tree = scratch / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def profile(tree: Path, store: Path, scratch: Path, seconds: int) -> dict[str, Any]:
    """wrk at each connection count with py-spy attached; per-request figures by component."""
    wrk = ensure_wrk()
    bodies = bench.write_bodies(scratch, [1])
    env = {
        "MODEL_DIR": str(store),
        "METRICS_FLUSH_SECONDS": "60",
        "HEALTH_PORT": str(free_port()),
        "ACCESS_LOG_SAMPLE_RATE": str(logvolume.deployed_rate()),
        WEB_CONCURRENCY: "1",
    }
    ready = ("GET", "/ready", None)
    server = start_server("ours", image_command(), env, scratch, ready, cwd=tree)
    runs: dict[str, Any] = {}
    bench.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    try:
        run_wrk(wrk, server.url + "/predict", bodies["single"], 16, 2)  # warm-up
        for connections in CONNECTIONS:
            raw = scratch / f"py-spy-c{connections}.txt"
            spy = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--pid",
                 str(server.process.pid), "--rate", str(SAMPLES_PER_SECOND), "--duration",
                 str(seconds), "--gil", "--nonblocking", "--format", "raw", "--output", str(raw)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(0.5)  # attached before the load starts
            cpu_before = cpu_seconds(server)
            load = run_wrk(wrk, server.url + "/predict", bodies["single"], connections, seconds)
            cpu = (cpu_seconds(server) - cpu_before) / max(load.requests, 1) * 1e6
            spy.wait()
            shutil.copy(raw, bench.RESULTS_DIR / f"profile-{_label(tree)}-c{connections}.txt")
            runs[f"c={connections}"] = {
                "requests_per_s": load.requests_per_s,
                "p99_ms": load.p99_ms,
                "cpu_us_per_request": round(cpu, 1),
                "gil_us_per_request": per_request(raw, load.requests),
            }
    finally:
        stop_server(server)
    return runs


def allocations(tree: Path, store: Path, scratch: Path) -> float:
    """Allocations per POST /predict, the app driven in-process (no server, no client)."""
    out = scratch / "allocations.json"
    script = scratch / "count_allocations.py"
    script.write_text(_COUNTER)
    subprocess.run(
        [sys.executable, str(script), str(store), str(out), str(ALLOCATION_REQUESTS)],
        cwd=tree, check=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,  # the app's log lines and metrics
    )  # fmt: skip
    counted: dict[str, float] = json.loads(out.read_text())
    return counted["per_request"]


# Run in the profiled checkout's own code: an earlier commit may differ in every module.
_COUNTER = """
import asyncio, json, sys
from pathlib import Path
import memray
from handlers.http.app import create_app
from shared.settings import Settings

store, out, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
app = create_app(Settings(model_dir=store, access_log_sample_rate=0.01))
BODY = json.dumps({"text": "The package arrived on Tuesday."}).encode()

async def request():
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/predict", "raw_path": b"/predict",
             "root_path": "", "query_string": b"", "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 5000), "state": {},
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(BODY)).encode())]}
    messages = [{"type": "http.request", "body": BODY, "more_body": False}]
    sent = []
    async def receive():
        return messages.pop() if messages else await asyncio.Event().wait()
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent

async def main():
    async with app.router.lifespan_context(app):
        while not app.state.registry.is_ready():
            await asyncio.sleep(0.05)
        for _ in range(50):
            await request()
        with memray.Tracker(out.with_suffix(".bin"), trace_python_allocators=True):
            for _ in range(count):
                await request()
    total = memray.FileReader(out.with_suffix(".bin")).metadata.total_allocations
    out.write_text(json.dumps({"per_request": round(total / count, 1)}))

asyncio.run(main())
"""


def render(label: str, runs: dict[str, Any], allocated: float) -> str:
    """The markdown table: one row per component, one column per connection count."""
    columns = list(runs)
    names = sorted(
        {name for run in runs.values() for name in run["gil_us_per_request"]},
        key=lambda name: -max(run["gil_us_per_request"].get(name, 0) for run in runs.values()),
    )
    lines = [
        f"### {label}",
        "",
        "| us per request, GIL held | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        cells = [f"{runs[c]['gil_us_per_request'].get(name, 0):.0f}" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"**{sum(runs[c]['gil_us_per_request'].values()):.0f}**" for c in columns]
    lines.append("| **total with the GIL** | " + " | ".join(totals) + " |")
    for key, title in (
        ("cpu_us_per_request", "CPU us per request, every thread"),
        ("requests_per_s", "requests/s"),
        ("p99_ms", "p99 ms"),
    ):
        lines.append(f"| {title} | " + " | ".join(f"{runs[c][key]:.0f}" for c in columns) + " |")
    lines += ["", f"Allocations per request (in-process, memray): {allocated:.0f}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commit", default=None, help="profile this commit (default: checkout)")
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="inferno-profile-run-"))
    try:
        store = scratch / "store"
        bench._inferno("publish", str(bench.trained_model()), "--store", str(store))
        with checkout(args.commit) as tree:
            commit = args.commit or bench._commit()
            runs = profile(tree, store, scratch, args.seconds)
            allocated = allocations(tree, store, scratch)
        table = render(f"{commit}, load average {_load()}", runs, allocated)
        print(table)
        results = bench.RESULTS_DIR / f"profile-{commit}.json"
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps({"runs": runs, "allocations": allocated}, indent=2))
        results.with_suffix(".md").write_text(table)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _label(tree: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True
    ).stdout.strip()


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


if __name__ == "__main__":
    sys.exit(main())
