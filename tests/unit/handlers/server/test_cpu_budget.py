"""The worker count the image picks: override, task size, cgroup quota (v2, v1), CPU affinity."""

from pathlib import Path

import pytest

from handlers.server.cpu_budget import cgroup_cpus, worker_count


def cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    return root


def eight_cpus() -> int:
    return 8


@pytest.mark.parametrize(
    ("files", "cpus"),
    [
        ({"cpu.max": "200000 100000"}, 2),
        ({"cpu.max": "150000 100000"}, 1),  # a fraction rounds down: no worker is throttled
        ({"cpu.max": "50000 100000"}, 1),  # at least one
        ({"cpu.max": "max 100000"}, None),  # v2 without a quota
        ({"cpu/cpu.cfs_quota_us": "400000", "cpu/cpu.cfs_period_us": "100000"}, 4),
        ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
        ({"cpu,cpuacct/cpu.cfs_quota_us": "300000", "cpu,cpuacct/cpu.cfs_period_us": "100000"}, 3),
        ({"cpu.max": "garbage"}, None),
        ({}, None),  # no cgroup filesystem at all
    ],
)
def test_cgroup_quota_in_whole_cpus(
    tmp_path: Path, files: dict[str, str], cpus: int | None
) -> None:
    assert cgroup_cpus(cgroup(tmp_path, files)) == cpus


def test_web_concurrency_overrides_everything(tmp_path: Path) -> None:
    root = cgroup(tmp_path, {"cpu.max": "100000 100000"})
    env = {"WEB_CONCURRENCY": "3", "TASK_CPU_UNITS": "1024"}
    assert worker_count(env, root, eight_cpus) == 3


def test_task_size_beats_an_invisible_quota(tmp_path: Path) -> None:
    # GIVEN Fargate: the VM shows 8 CPUs, no quota in sight, a 2-vCPU task
    root = cgroup(tmp_path, {"cpu.max": "max 100000"})
    # THEN two workers; half a vCPU still gets one
    assert worker_count({"TASK_CPU_UNITS": "2048"}, root, eight_cpus) == 2
    assert worker_count({"TASK_CPU_UNITS": "512"}, root, eight_cpus) == 1


def test_quota_then_affinity(tmp_path: Path) -> None:
    assert worker_count({}, cgroup(tmp_path / "a", {"cpu.max": "300000 100000"}), eight_cpus) == 3
    # no quota: every CPU the process may run on
    assert worker_count({}, cgroup(tmp_path / "b", {"cpu.max": "max 100000"}), eight_cpus) == 8
    # a quota above the CPUs we may use is capped by them
    assert worker_count({}, cgroup(tmp_path / "c", {"cpu.max": "1600000 100000"}), lambda: 2) == 2


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_a_malformed_count_stops_the_start_naming_the_variable(bad: str) -> None:
    with pytest.raises(ValueError, match="WEB_CONCURRENCY"):
        worker_count({"WEB_CONCURRENCY": bad})


def test_blank_variables_are_unset(tmp_path: Path) -> None:
    env = {"WEB_CONCURRENCY": " ", "TASK_CPU_UNITS": ""}
    assert worker_count(env, cgroup(tmp_path, {}), eight_cpus) == 8
