"""`make bench`: our service against the original Inferno design, under wrk, in one run.

Exits non-zero only when the benchmark could not run; a missed target is printed as MISSED.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from handlers.server.cpu_budget import WEB_CONCURRENCY
from tests.performance import (
    capacity,
    capture,
    formats,
    logvolume,
    overload,
    peers,
    report,
    shadow,
    workers,
)
from tests.performance.loadgen import BenchError, LoadResult, ensure_wrk, run_wrk
from tests.performance.processes import Server, image_command, start_server, uvicorn_command
from tests.support.servers import ROOT, free_port, stop_process

RESULTS_DIR = Path(__file__).with_name("results")
MODEL_CACHE = RESULTS_DIR / "model"  # the real default model, trained once and reused
BATCH_PATH = "/models/sentiment/predict/batch"
TEXTS = [
    "The new dashboard is fantastic, setup took two minutes!",
    "Support never answered my ticket and the app keeps crashing on login.",
    "The package arrived on Tuesday.",
    "Honestly the best customer service I've had in years, thank you so much.",
    "I waited forty minutes on hold just to be told to call back tomorrow. Unacceptable.",
    "It works as described, nothing more, nothing less.",
    "Battery life is great but the screen scratches far too easily, a bit disappointed.",
    "Flight delayed again, lost my connection, and nobody at the gate could help.",
]


SCENARIOS = (
    "compare",
    "overload",
    "workers",
    "logs",
    "formats",
    "capture",
    "shadow",
    "peers",
    "capacity",
)
PAIR_SCENARIOS = {"compare", "overload"}  # need ours and the baseline side by side


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up per server before measuring")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes, the same for both"
    )
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64, 256])
    parser.add_argument("--batch-connections", type=int, default=16)
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=SCENARIOS,
        default=list(SCENARIOS),
        help="compare: /predict and batches against the baseline; overload: the flood; "
        "workers: the image's worker choice against 1; logs: stdout bytes per request; "
        "capture: c=64 latency with capture at 10%% against off; "
        "shadow: c=64 throughput with a 10%% shadow rollout against none; "
        "peers: ours, plain FastAPI and LitServe, 1 and 2 workers, and the model in-process; "
        "capacity: req/s per vCPU at p99 <= 100 ms, one worker on one core",
    )
    parser.add_argument(
        "--record-capacity",
        action="store_true",
        help="with the capacity scenario: write its figure to tests/performance/capacity.json "
        "and rewrite what derives from it (requests_per_target in iac/variables.tf, the sizing "
        "section of iac/README.md); without it the bench changes no tracked file",
    )
    parser.add_argument(
        "--starts", type=int, default=3, help="cold starts of each server; medians count"
    )
    parser.add_argument("--overload-seconds", type=int, default=60, help="length of the flood")
    parser.add_argument(
        "--candidate",
        default=None,
        help="serve this sentiment candidate pipeline (model_build/sentiment/candidates.py) "
        "instead of the default, e.g. `today` for the tweets-only word + character model",
    )
    args = parser.parse_args(argv)
    if args.record_capacity and "capacity" not in args.scenarios:
        parser.error("--record-capacity needs the capacity scenario")
    return args


TRAINING_STAMP = ".training-source"


def trained_model(candidate: str | None = None) -> Path:
    """Train into a scratch name and rename, so an interrupted run never leaves half a cache."""
    cache = MODEL_CACHE if candidate is None else MODEL_CACHE.with_name(f"model-{candidate}")
    stamp = cache / TRAINING_STAMP
    fresh = stamp.exists() and stamp.read_text() == _training_source_hash()
    if fresh and _loads_today(cache):
        print(f"model: reusing {cache}", flush=True)
        return cache
    shutil.rmtree(cache, ignore_errors=True)
    partial = cache.with_name(f"{cache.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    which = "default" if candidate is None else f"`{candidate}`"
    print(f"model: training the {which} sentiment model once (up to three minutes)", flush=True)
    _inferno("train", "--output", str(partial), *(["--candidate", candidate] if candidate else []))
    (partial / TRAINING_STAMP).write_text(_training_source_hash())
    partial.rename(cache)
    return cache


def _training_source_hash() -> str:
    """The cache is only as good as the training code that made it."""
    digest = hashlib.sha256()
    for source in sorted((ROOT / "model_build").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _loads_today(model_dir: Path) -> bool:
    """A cache made by older code may not pass today's loader (manifest or trust rules changed)."""
    if not (model_dir / "manifest.json").exists():
        return False
    from shared.manifest import ModelManifest
    from shared.serving.loaded_model import load_verified

    try:
        manifest = ModelManifest.model_validate_json((model_dir / "manifest.json").read_text())
        load_verified(manifest, (model_dir / manifest.artifact).read_bytes())
    except Exception as exc:  # any refusal means: train afresh
        print(f"model: the cached model no longer loads ({exc}); retraining", flush=True)
        return False
    return True


def _inferno(*args: str) -> None:
    # `python -m handlers.cli.main` is the `inferno` console script, without needing it installed.
    subprocess.run([sys.executable, "-m", "handlers.cli.main", *args], cwd=ROOT, check=True)


def baseline_artifact(model_dir: Path, target: Path) -> None:
    """The same fitted pipeline, re-saved the way the original service loads it (joblib)."""
    import joblib
    import skops.io as sio

    data = (model_dir / "model.skops").read_bytes()
    joblib.dump(sio.loads(data, trusted=sio.get_untrusted_types(data=data)), target)


def write_bodies(directory: Path, batch_sizes: list[int]) -> dict[str, Path]:
    """One JSON body per line for post.lua; batches rotate through the texts too."""
    bodies = {"single": [json.dumps({"text": text}) for text in TEXTS]}
    for size in batch_sizes:
        bodies[f"batch{size}"] = [
            json.dumps({"items": [{"text": TEXTS[(start + i) % len(TEXTS)]} for i in range(size)]})
            for start in range(len(TEXTS))
        ]
    paths = {}
    for name, lines in bodies.items():
        paths[name] = directory / f"{name}.jsonl"
        paths[name].write_text("\n".join(lines) + "\n")
    return paths


def check_same_answers(ours: Server, baseline: Server) -> None:
    """Both must serve the same model, or the comparison means nothing."""
    with httpx.Client(timeout=10) as client:
        for text in TEXTS:
            mine = client.post(ours.url + "/predict", json={"text": text}).raise_for_status().json()
            theirs = (
                client.post(baseline.url + "/predict", json={"text": text})
                .raise_for_status()
                .json()
            )
            if (mine["text"], mine["sentiment"]) != (theirs["text"], theirs["sentiment"]):
                raise BenchError(f"ours and the baseline disagree on {text!r}: {mine} vs {theirs}")
        batch = client.post(ours.url + BATCH_PATH, json={"items": [{"text": t} for t in TEXTS]})
        if batch.raise_for_status().json()["results"][0]["prediction"] is None:
            raise BenchError(f"the batch route did not predict: {batch.text}")


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    sections: dict[str, Any] = {}
    if "formats" in args.scenarios:
        print("formats: each bring-your-own-model example as skops and as ONNX", flush=True)
        sections["formats"] = formats.run(scratch / "formats", max(1.0, args.seconds / 4))
    if not set(args.scenarios) - {"formats"}:
        load = (round(load_before, 2), round(os.getloadavg()[0], 2))
        return assemble(args, {"name": "examples", "version": "-"}, sections, load)
    wrk = ensure_wrk()
    model_dir = trained_model(args.candidate)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    store, joblib_path = scratch / "store", scratch / "baseline.joblib"
    _inferno("publish", str(model_dir), "--store", str(store))
    baseline_artifact(model_dir, joblib_path)
    bodies = write_bodies(scratch, args.batch_sizes)
    # As the image is deployed: the health port the ALB and the container check probe, and the
    # share of access lines Terraform sets (the `logs` scenario measures both shares).
    health_port = free_port()
    ours_env = {
        "MODEL_DIR": str(store),
        "METRICS_FLUSH_SECONDS": "60",
        "HEALTH_PORT": str(health_port),
        "ACCESS_LOG_SAMPLE_RATE": str(logvolume.deployed_rate()),
    }
    if PAIR_SCENARIOS & set(args.scenarios):
        sections.update(
            against_baseline(args, wrk, ours_env, joblib_path, scratch, bodies, health_port)
        )
    if "workers" in args.scenarios:
        print("workers: the image's command, 1 worker and its own choice", flush=True)
        sections["workers"] = workers.run(
            wrk, ours_env, bodies["single"], scratch, args.seconds, args.warmup
        )
    if "peers" in args.scenarios:
        print("peers: ours, plain FastAPI and LitServe, 1 and 2 workers", flush=True)
        timing = {"seconds": args.seconds, "warmup": args.warmup, "starts": args.starts}
        sections["peers"] = peers.run(
            wrk, ours_env, model_dir, joblib_path, bodies["single"], TEXTS, scratch, timing
        )
    if "capacity" in args.scenarios:
        print(f"capacity: req/s per vCPU at p99 <= {capacity.P99_BOUND_MS:g} ms", flush=True)
        sections["capacity"] = capacity.run(
            wrk, ours_env, bodies["single"], scratch, args.seconds, args.warmup
        )
        if args.record_capacity:
            capacity.record(sections["capacity"], _commit())
    if "logs" in args.scenarios:
        print("logs: stdout bytes per request", flush=True)
        sections["logs"] = logvolume.run(wrk, ours_env, bodies["single"], scratch, args.seconds)
    if "capture" in args.scenarios:
        print(f"capture: c={capture.CONNECTIONS}, capture at 10% against off", flush=True)
        sections["capture"] = capture.run(
            wrk, ours_env, bodies["single"], scratch, args.seconds, args.warmup
        )
    if "shadow" in args.scenarios:
        print(f"shadow: c={shadow.CONNECTIONS}, a 10% shadow rollout against none", flush=True)
        sections["shadow"] = shadow.run(
            wrk, ours_env, bodies["single"], scratch, args.seconds, args.warmup
        )
    # Other work on the machine skews both servers; the load average shows how much there was.
    load = (round(load_before, 2), round(os.getloadavg()[0], 2))
    return assemble(args, manifest, sections, load)


def against_baseline(
    args: argparse.Namespace,
    wrk: str,
    ours_env: dict[str, str],
    joblib_path: Path,
    scratch: Path,
    bodies: dict[str, Path],
    health_port: int,
) -> dict[str, Any]:
    """The scenarios that need ours and the baseline running: compare, overload (and the
    start-up times measured when starting them)."""
    sections: dict[str, Any] = {}
    servers, process = start_pair(args, ours_env, joblib_path, scratch)
    try:
        ours, baseline = servers
        check_same_answers(ours, baseline)
        for server in servers:
            median = process[server.name]["cold_start_s"]
            print(f"{server.name}: ready in {median} s (median); warming up", flush=True)
            run_wrk(wrk, server.url + "/predict", bodies["single"], 16, args.warmup)
        if "compare" in args.scenarios:
            sections.update(compare(args, wrk, ours, baseline, bodies))
        if "overload" in args.scenarios:
            print(f"overload: {args.overload_seconds} s of flood", flush=True)
            sections["overload"] = overload.run(
                wrk,
                ours,
                f"http://127.0.0.1:{health_port}",
                bodies["single"],
                scratch,
                args.overload_seconds,
                args.seconds,
            )
        sections["process"] = {
            s.name: {**process[s.name], "peak_rss_mb": s.peak_rss_mb()} for s in servers
        }
    finally:
        for server in servers:
            stop_process(server.process)
    return sections


def start_pair(
    args: argparse.Namespace, ours_env: dict[str, str], joblib_path: Path, scratch: Path
) -> tuple[list[Server], dict[str, dict[str, Any]]]:
    """Ours and the baseline, `--starts` times each, alternating and never at once (a cold
    start is noisy on a shared machine: the medians count); the last pair keeps running."""
    first = json.dumps({"text": TEXTS[0]}).encode()
    starts: dict[str, list[tuple[float | None, float]]] = {"ours": [], "baseline": []}
    for attempt in range(args.starts):
        ours = start_server(
            "ours",
            image_command(),  # as the image runs it, the worker count pinned
            {**ours_env, WEB_CONCURRENCY: str(args.workers)},
            scratch,
            ("GET", "/ready", None),
            alive="/health",
            workers=args.workers,
        )
        try:
            baseline = start_server(
                "baseline",
                uvicorn_command("tests.performance.baseline.app:app", args.workers),
                {"INFERNO_BASELINE_MODEL": str(joblib_path)},
                scratch,
                ("POST", "/predict", first),
            )
        except BaseException:
            stop_process(ours.process)
            raise
        for server in (ours, baseline):
            starts[server.name].append((server.alive_s, server.cold_start_s))
        if attempt < args.starts - 1:
            stop_process(ours.process)
            stop_process(baseline.process)
    process = {
        name: {
            "alive_s": _median([a for a, _ in times if a is not None]),
            "cold_start_s": _median([r for _, r in times]),
            "starts": times,
        }
        for name, times in starts.items()
    }
    return [ours, baseline], process


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def compare(
    args: argparse.Namespace,
    wrk: str,
    ours: Server,
    baseline: Server,
    bodies: dict[str, Path],
) -> dict[str, Any]:
    """Single /predict against the baseline at each concurrency, then ours' batch route."""
    single: dict[str, dict[int, LoadResult]] = {"ours": {}, "baseline": {}}
    for connections in args.connections:
        for server in (ours, baseline):  # alternate, so drift on the machine hits both alike
            result = run_wrk(
                wrk, server.url + "/predict", bodies["single"], connections, args.seconds
            )
            single[server.name][connections] = result
            _progress(f"{server.name} /predict c={connections}", result)
    batch: dict[int, LoadResult] = {}
    for size in args.batch_sizes:
        url = ours.url + BATCH_PATH
        batch[size] = run_wrk(
            wrk, url, bodies[f"batch{size}"], args.batch_connections, args.seconds
        )
        _progress(f"ours batch={size} c={args.batch_connections}", batch[size])
    reference = single["ours"].get(args.batch_connections) or run_wrk(
        wrk, ours.url + "/predict", bodies["single"], args.batch_connections, args.seconds
    )
    batch_rows = {
        size: {
            **r.as_dict(),
            "items_per_s": round(r.requests_per_s * size, 1),
            "ratio_vs_single": report.ratio(r.requests_per_s * size, reference.requests_per_s),
        }
        for size, r in batch.items()
    }
    # Only ours counts: the baseline timing out under overload is its failing, not a bench failure.
    errors = sum(r.errors for r in single["ours"].values()) + sum(r.errors for r in batch.values())
    return {
        "single": {
            c: {
                "ours": single["ours"][c].as_dict(),
                "baseline": single["baseline"][c].as_dict(),
                "ratios": report.single_ratios(single["ours"][c], single["baseline"][c]),
            }
            for c in args.connections
        },
        "batch": {
            "connections": args.batch_connections,
            "single_items_per_s": reference.requests_per_s,
            "sizes": batch_rows,
            "errors": errors,
        },
    }


def _progress(label: str, result: LoadResult) -> None:
    print(
        f"  {label:32} {result.requests_per_s:9.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
        f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}",
        flush=True,
    )


def assemble(
    args: argparse.Namespace,
    manifest: dict[str, Any],
    sections: dict[str, Any],
    load: tuple[float, float],
) -> dict[str, Any]:
    found = report.targets(sections)
    if "overload" in sections:
        found += overload.targets(sections["overload"])
    if "workers" in sections:
        found += workers.targets(sections["workers"])
    if "capture" in sections:
        found += capture.targets(sections["capture"])
    if "shadow" in sections:
        found += shadow.targets(sections["shadow"])
    if "peers" in sections:
        found += peers.targets(sections["peers"])
    if "capacity" in sections:
        found += capacity.targets(sections["capacity"])
    return {
        "meta": {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _commit(),
            "cpus": os.cpu_count(),
            "seconds": args.seconds,
            "warmup_seconds": args.warmup,
            "workers": args.workers,
            "scenarios": args.scenarios,
            "model": f"{manifest['name']}/{manifest['version']}"
            + (f" (candidate `{args.candidate}`)" if args.candidate else ""),
            "load_average_1m": {"before": load[0], "after": load[1]},
        },
        **sections,
        "targets": [{**asdict(t), "met": t.met, "line": t.line()} for t in found],
    }


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    if "overload" in results:
        lines += overload.markdown(results["overload"])
    if "workers" in results:
        lines += workers.markdown(results["workers"])
    if "logs" in results:
        lines += logvolume.markdown(results["logs"])
    if "formats" in results:
        lines += formats.markdown(results["formats"])
    if "capture" in results:
        lines += capture.markdown(results["capture"])
    if "shadow" in results:
        lines += shadow.markdown(results["shadow"])
    if "peers" in results:
        lines += peers.markdown(results["peers"])
    if "capacity" in results:
        lines += capacity.markdown(results["capacity"])
    return report.markdown(results, lines)


def save(results: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    table = render(results)
    for name in (f"bench-{stamp}", "latest"):
        (RESULTS_DIR / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS_DIR / f"{name}.md").write_text(table)
    return RESULTS_DIR / f"bench-{stamp}.md"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="inferno-bench-") as scratch:
            results = run(args, Path(scratch))
    except (BenchError, subprocess.CalledProcessError, httpx.HTTPError, OSError) as exc:
        print(f"bench: could not run: {exc}", file=sys.stderr)
        return 1
    saved = save(results)
    print("\n" + render(results))
    missed = [t for t in results["targets"] if not t["met"]]
    load, cpus = results["meta"]["load_average_1m"], results["meta"]["cpus"] or 1
    if max(load.values()) > cpus / 2:
        print(f"WARNING: the machine was busy (load average {load} on {cpus} CPUs): noisy numbers")
    print(f"{len(missed)} target(s) MISSED" if missed else "all targets met", end="")
    print(
        f"; written to {saved} (and latest.md / latest.json) in {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
