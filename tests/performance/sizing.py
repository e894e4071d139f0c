"""From the recorded capacity (tests/performance/capacity.json) to autoscaling and cost: the
Terraform default of `requests_per_target`, and the sizing section of the deploy guide.

Pure arithmetic on stated figures; `make bench ... --record-capacity` writes all three, and
tests/iac/test_autoscaling_capacity.py fails when they no longer agree."""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.iac.infra import IAC, load_terraform

RECORD = Path(__file__).with_name("capacity.json")
VARIABLES = IAC / "variables.tf"
GUIDE = IAC / "README.md"
# Each task is sized for this share of what it serves at the p99 bound, so target tracking
# adds tasks well before the p99 bound is reached (and a lost AZ's load has somewhere to go).
HEADROOM = 0.6
UNITS_PER_VCPU = 1024
# us-east-1, Linux/x86 on demand, Fargate (the AWS pricing page at the time of writing).
VCPU_HOUR_USD = 0.04048
GB_HOUR_USD = 0.004445
HOURS_PER_MONTH = 730
PEAKS = (100, 1_000, 10_000)
# Scale-out, assumed rather than measured: target tracking's scale-out alarm wants 3 one-minute
# datapoints above target; Fargate's placement (host and ENI); the pull of an image of about
# 0.9 GB unpacked (python:3.11-slim, 0.13 GB, plus 0.8 GB of main dependencies measured in
# the venv) at 25 MB/s pulled and unpacked.
ALARM_SECONDS = 3 * 60
PLACEMENT_SECONDS = 30
IMAGE_MB = 930
PULL_MB_PER_S = 25
GUIDE_START = (
    "<!-- sizing: written by the bench's --record-capacity; edit tests/performance/sizing.py -->"
)
GUIDE_END = "<!-- /sizing -->"


@dataclass(frozen=True)
class Footprint:
    """The task size and ALB health check Terraform deploys (variable defaults)."""

    task_cpu: int
    task_memory: int
    healthy_threshold: int
    health_interval_s: int
    min_capacity: int = 2
    max_capacity: int = 10
    cpu_target_percent: int = 60

    @property
    def vcpus(self) -> float:
        return self.task_cpu / UNITS_PER_VCPU

    @classmethod
    def from_terraform(cls) -> "Footprint":
        tf = load_terraform()
        group = tf.resolve(tf.resource("aws_lb_target_group", "this"))
        check = group["health_check"]
        check = check[0] if isinstance(check, list) else check
        defaults: dict[str, Any] = {name: v.get("default") for name, v in tf.variables.items()}
        return cls(
            defaults["task_cpu"],
            defaults["task_memory"],
            check["healthy_threshold"],
            check["interval"],
            defaults["min_capacity"],
            defaults["max_capacity"],
            defaults["cpu_target_percent"],
        )


def load_record(path: Path = RECORD) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def per_task(capacity_per_vcpu: float, task_cpu: int) -> float:
    """Requests/s a task is meant to carry: its vCPUs' capacity, less the headroom."""
    return capacity_per_vcpu * task_cpu / UNITS_PER_VCPU * HEADROOM


def requests_per_target(capacity_per_vcpu: float, task_cpu: int) -> int:
    """ALB requests per task per minute, rounded down to a hundred."""
    return math.floor(per_task(capacity_per_vcpu, task_cpu) * 60 / 100) * 100


def tasks_for(peak: float, capacity_per_vcpu: float, footprint: Footprint, floor: int = 2) -> int:
    return max(floor, math.ceil(peak / per_task(capacity_per_vcpu, footprint.task_cpu)))


def monthly_usd(tasks: int, footprint: Footprint) -> float:
    hourly = footprint.vcpus * VCPU_HOUR_USD + footprint.task_memory / 1024 * GB_HOUR_USD
    return tasks * hourly * HOURS_PER_MONTH


def scale_out_steps(record: dict[str, Any], footprint: Footprint) -> list[tuple[str, float]]:
    # A task of less than a core starts slower in proportion: start-up is CPU-bound.
    slower = 1 / min(1.0, footprint.vcpus)
    checks = footprint.healthy_threshold
    return [
        ("target tracking's scale-out alarm: 3 one-minute periods above target", ALARM_SECONDS),
        ("Fargate places the task (host, ENI); assumed", PLACEMENT_SECONDS),
        (
            f"image pull and unpack, ~{IMAGE_MB} MB at {PULL_MB_PER_S} MB/s; assumed",
            IMAGE_MB / PULL_MB_PER_S,
        ),
        (
            f"start to ready: {record['start_to_ready_s']:.1f} s on one core in the bench, "
            f"x{slower:g} on {footprint.vcpus:g} vCPU",
            record["start_to_ready_s"] * slower,
        ),
        (
            f"ALB health checks: {checks} passes, {footprint.health_interval_s} s apart",
            checks * footprint.health_interval_s,
        ),
    ]


def guide_section(record: dict[str, Any], footprint: Footprint) -> str:
    capacity = record["requests_per_s_per_vcpu"]
    task = f"{footprint.vcpus:g} vCPU / {footprint.task_memory / 1024:g} GB"
    load_before, load_after = record["load_average_1m"]
    lines = [
        GUIDE_START,
        "### Sizing for a peak",
        "",
        f"`make bench` measured **{capacity:,.0f} requests/s per vCPU at p99 <= "
        f"{record['p99_bound_ms']:g} ms** (one worker pinned to one core, at "
        f"{record['connections']} connections, p99 {record['p99_ms']:.0f} ms; {record['machine']}, "
        f"1-min load average {load_before} before, {load_after} after; commit "
        f"{record['commit']}, {record['date']}). A task of {task} (the defaults `task_cpu = "
        f"{footprint.task_cpu}`, `task_memory = {footprint.task_memory}`) is sized for "
        f"{HEADROOM:.0%} of its share, {per_task(capacity, footprint.task_cpu):,.0f} requests/s, "
        f"so `requests_per_target` is {requests_per_target(capacity, footprint.task_cpu):,} ALB "
        "requests per task per minute. A vCPU on Fargate is not a core of the bench machine: "
        "re-measure before relying on the last digit.",
        "",
        f"Fargate at ${VCPU_HOUR_USD} per vCPU-hour and ${GB_HOUR_USD} per GB-hour (us-east-1, "
        f"Linux/x86, on demand), {HOURS_PER_MONTH} hours a month, were the peak to last all month:",
        "",
        "| peak requests/s | tasks | Fargate per month |",
        "|---:|---:|---:|",
    ]
    for peak in PEAKS:
        tasks = tasks_for(peak, capacity, footprint)
        lines.append(f"| {peak:,} | {tasks} | ≈ ${monthly_usd(tasks, footprint):,.0f} |")
    steps = scale_out_steps(record, footprint)
    lines += [
        "",
        f"Two tasks is the floor (`min_capacity = {footprint.min_capacity}`); the ceiling "
        f"`max_capacity = {footprint.max_capacity}` carries "
        f"{footprint.max_capacity * per_task(capacity, footprint.task_cpu):,.0f} requests/s: "
        "raise it (100 at most) or the task size for more. The CPU policy "
        f"(`cpu_target_percent = {footprint.cpu_target_percent}`) tracks too; whichever asks "
        "for more tasks wins.",
        "",
        "**How long a scale-out takes.** A calculation from the figures below, not measured on "
        "AWS:",
        "",
        "| step | seconds |",
        "|---|---:|",
        *(f"| {name} | {seconds:.0f} |" for name, seconds in steps),
        f"| **total** | **{sum(s for _, s in steps):.0f}** |",
        "",
        "Until then the running tasks carry the peak: the headroom is what lets them.",
        GUIDE_END,
    ]
    return "\n".join(lines)


def write_guide(section: str, path: Path = GUIDE) -> None:
    text = path.read_text()
    pattern = re.compile(re.escape(GUIDE_START) + ".*?" + re.escape(GUIDE_END), re.DOTALL)
    path.write_text(pattern.sub(lambda _: section, text, count=1))


def guide_block(path: Path = GUIDE) -> str:
    """The sizing section as the guide has it now ('' when missing)."""
    text = path.read_text()
    start, end = text.find(GUIDE_START), text.find(GUIDE_END)
    return text[start : end + len(GUIDE_END)] if 0 <= start < end else ""


_DEFAULT = re.compile(r'(variable "requests_per_target" \{.*?\n\s*default\s*=\s*)(\d+)', re.DOTALL)


def write_terraform_default(value: int, path: Path = VARIABLES) -> None:
    text, replaced = _DEFAULT.subn(lambda m: f"{m.group(1)}{value}", path.read_text(), count=1)
    if not replaced:
        raise ValueError(f"no `default` of requests_per_target in {path}")
    path.write_text(text)
    load_terraform.cache_clear()  # what is read next is the new default
