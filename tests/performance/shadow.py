"""What a shadow rollout costs the service: POST /predict at c=64 on a server with no rollout
and on one shadowing 10% of requests to a candidate (the same model published as another
version, so the comparison costs exactly a model call), in the same run, alternating
(tests/performance/paired.py). Issue 20: at most 15% of throughput."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from shared.rollouts.plan import Policy, start
from shared.rollouts.records import read_current, read_figures, write_current
from shared.store.local import LocalStore
from tests.performance import paired
from tests.performance.report import Target

CONNECTIONS = 64
ROUNDS = 4
SHARE = 0.1
THROUGHPUT_MIN_RATIO = 0.85
ROOT = Path(__file__).resolve().parents[2]


def shadow_store(store: Path, scratch: Path) -> tuple[Path, str]:
    """A copy of the bench's store with a candidate version and a running 10% shadow rollout."""
    target = scratch / "shadow-store"
    shutil.copytree(store, target)
    local = LocalStore(target)
    name = next(iter(local.model_names()))
    production = local.alias_version(name, "production")
    candidate_dir = scratch / "candidate"
    shutil.copytree(target / name / production, candidate_dir)
    manifest = json.loads((candidate_dir / "manifest.json").read_text())
    manifest["version"] = f"{production}-shadow"
    (candidate_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "publish", str(candidate_dir),
         "--store", str(target), "--no-alias"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    # A policy that never decides during the bench: the rollout runs throughout.
    policy = Policy(min_compared=10**9, min_agreement=0.0, deadline_hours=24)
    write_current(local, start(name, manifest["version"], production, "shadow", SHARE, policy))
    return target, name


def run(
    wrk: str, env: dict[str, str], singles: Path, scratch: Path, seconds: int, warmup: int
) -> dict[str, Any]:
    store, name = shadow_store(Path(env["MODEL_DIR"]), scratch)
    configurations = {
        "off": {**env, "ROLLOUTS_ENABLED": "false"},
        "on": {**env, "MODEL_DIR": str(store), "ROLLOUT_REFRESH_SECONDS": "1"},
    }
    runs, cpu, warmed = paired.measure(
        "shadow", wrk, configurations, singles, scratch, CONNECTIONS, ROUNDS, seconds, warmup
    )
    local = LocalStore(store)
    rollout = read_current(local, name)
    figures = read_figures(local, rollout) if rollout else None
    medians = paired.medians(runs, cpu)
    on, off = medians["on"], medians["off"]
    answered = on["requests"] + warmed["on"]
    return {
        "connections": CONNECTIONS,
        "rounds": ROUNDS,
        "share": SHARE,
        "medians": medians,
        "compared": figures.compared if figures else 0,
        "dropped": figures.shadow_dropped if figures else 0,
        "compared_share": round((figures.compared if figures else 0) / max(1, answered), 4),
        "ratios": paired.ratios(on, off),
    }


def targets(section: dict[str, Any]) -> list[Target]:
    return [
        Target(
            f"throughput with a {SHARE:.0%} shadow / without, c={CONNECTIONS}",
            section["ratios"]["throughput"],
            THROUGHPUT_MIN_RATIO,
            True,
        )
    ]


def markdown(section: dict[str, Any]) -> list[str]:
    lines = [
        f"## Shadow rollout: POST /predict at c={section['connections']}, {section['share']:.0%} "
        f"of requests also run on a candidate, against no rollout (medians of "
        f"{section['rounds']} alternating runs)",
        "",
        "| shadow | req/s | p50 ms | p99 ms | server CPU us/request | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in section["medians"].items():
        lines.append(
            f"| {name} | {row['requests_per_s']:.1f} | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} | {row['cpu_us_per_request']:.0f} | {row['errors']} |"
        )
    ratios = section["ratios"]
    lines += [
        "",
        f"On / off: throughput x{ratios['throughput']}, p50 x{ratios['p50']}, p99 "
        f"x{ratios['p99']}, server CPU per request x{ratios['cpu_per_request']}; "
        f"{section['compared']} requests compared ({section['compared_share']:.1%} of what the "
        f"shadowing server answered), {section['dropped']} dropped.",
        "",
    ]
    return lines
