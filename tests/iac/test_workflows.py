"""Workflow and environment-file rules that the linters do not enforce."""

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from .infra import IAC, OPTIONS, ROOT, load_terraform
from .workflows import (
    WORKFLOWS,
    load_workflow,
    make_targets,
    makefile_targets,
    run_steps,
    script_of,
)

PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")
RUN_STEPS = [(path, job, step) for path in WORKFLOWS for job, step in run_steps(path)]


def test_workflows_exist() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "cd.yml", "model-release.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_actions_are_pinned_by_commit_sha_with_a_version_comment(path: Path) -> None:
    uses = [line for line in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert uses
    assert [line for line in uses if not PINNED.match(line)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_minimal_permissions_and_a_timeout_on_every_job(path: Path) -> None:
    workflow = load_workflow(path)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name} has no timeout-minutes"
        granted = job.get("permissions", {})
        assert set(granted.values()) <= {"read", "write"}
        assert {key for key, value in granted.items() if value == "write"} <= {"id-token"}
        # Each AWS role trusts one workflow on main in one GitHub environment (iac/github_oidc.tf).
        if granted.get("id-token") == "write":
            assert job.get("environment") in {"production", "model-release"}, name


def test_deploys_never_cancel_each_other() -> None:
    for name in ("cd.yml", "model-release.yml"):
        concurrency = load_workflow(ROOT / ".github" / "workflows" / name)["concurrency"]
        assert concurrency["cancel-in-progress"] is False


def test_ci_runs_the_developer_make_targets() -> None:
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    for target in ("make lint", "make check-infra", "make test"):
        assert f"run: {target}" in text


@pytest.mark.parametrize(
    ("path", "job", "step"),
    RUN_STEPS,
    ids=[f"{path.name}:{job}:{step.get('name', step['run'])}" for path, job, step in RUN_STEPS],
)
def test_every_run_step_is_a_make_target_or_a_ci_script(
    path: Path, job: str, step: dict[str, Any]
) -> None:
    # Nothing lives only in YAML: a developer runs the same command the workflow does.
    run = step["run"].strip()
    assert "\n" not in run, f"{path.name} {job}: one command per step, not a script: {run!r}"
    targets, script = make_targets(step), script_of(step)
    assert targets or script, f"{path.name} {job}: {run!r} is neither `make <target>` nor .ci/"
    assert set(targets or []) <= makefile_targets(), f"{run!r}: no such target in the Makefile"
    if script is not None:
        assert script.is_file(), f"{run!r}: no {script.relative_to(ROOT)}"
        assert script.read_text().startswith("#!/usr/bin/env bash\n"), script.name
        assert "set -euo pipefail" in script.read_text(), script.name


def test_ci_scripts_are_all_run_by_a_workflow_or_the_makefile() -> None:
    called = {script_of(step) for _, _, step in RUN_STEPS}
    for folder in ("cd", "model-release"):
        assert set((ROOT / ".ci" / folder).iterdir()) <= called, folder


@pytest.mark.parametrize(
    "path", sorted((IAC / "environments").glob("*.tfvars")), ids=lambda path: path.name
)
def test_environment_files_set_only_declared_variables(path: Path) -> None:
    with path.open() as handle:
        values: dict[str, Any] = hcl2.load(handle, serialization_options=OPTIONS)
    declared = load_terraform().variables
    assert set(values) <= set(declared)
    required = {name for name, spec in declared.items() if "default" not in spec}
    # The pushed image's tag changes with every build: `-var image_tag=<sha>` (iac/first-apply.sh)
    assert required - {"image_tag"} <= set(values)
