"""How many CPUs this process may use: the count of uvicorn workers the image runs.

Read from the environment and the kernel only: the server's supervisor calls this before any
worker starts, so it stays free of pydantic and the app (importing them costs half a second).
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path

# Variable names: uvicorn's own override, and the task size Terraform passes (ECS CPU units).
WEB_CONCURRENCY = "WEB_CONCURRENCY"
TASK_CPU_UNITS = "TASK_CPU_UNITS"
UNITS_PER_CPU = 1024
CGROUP_ROOT = Path("/sys/fs/cgroup")


def worker_count(
    env: Mapping[str, str] | None = None,
    cgroup_root: Path = CGROUP_ROOT,
    available: Callable[[], int] | None = None,
) -> int:
    """WEB_CONCURRENCY if set; else the task size, the cgroup quota, the CPUs we may run on."""
    env = os.environ if env is None else env
    requested = requested_workers(env)
    if requested is not None:
        return requested
    cpus = (available or available_cpus)()
    # Fargate runs the task in a VM that shows more CPUs than the task pays for, and its quota
    # sits on a cgroup the container cannot see: the task size is the truth there.
    budget = task_cpus(env)
    if budget is None:
        budget = cgroup_cpus(cgroup_root)
    return max(1, min(budget, cpus)) if budget is not None else max(1, cpus)


def requested_workers(env: Mapping[str, str]) -> int | None:
    return _positive_int(env, WEB_CONCURRENCY)


def task_cpus(env: Mapping[str, str]) -> int | None:
    units = _positive_int(env, TASK_CPU_UNITS)
    return None if units is None else max(1, units // UNITS_PER_CPU)


def cgroup_cpus(root: Path = CGROUP_ROOT) -> int | None:
    """Whole CPUs of the CFS quota (v2 `cpu.max`, else v1); None when there is no quota."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        return _whole_cpus(quota, period)
    for v1 in (root / "cpu", root / "cpu,cpuacct"):
        quota_us = _read(v1 / "cpu.cfs_quota_us")
        if quota_us is not None:
            return _whole_cpus(quota_us, _read(v1 / "cpu.cfs_period_us") or "")
    return None


def available_cpus() -> int:
    """CPUs the scheduler lets this process run on (taskset, cpuset), not all the host has."""
    return len(os.sched_getaffinity(0))


def _whole_cpus(quota: str, period: str) -> int | None:
    # "max" (v2) or -1 (v1) means no quota. A fraction rounds down: a worker per CPU the
    # quota pays for, since one more than that is throttled, and at least one.
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None
    if quota_us <= 0 or period_us <= 0:
        return None
    return max(1, quota_us // period_us)


def _positive_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    # A malformed value stops the start-up, naming the variable, rather than guessing.
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
