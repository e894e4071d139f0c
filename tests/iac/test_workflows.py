"""Workflow and environment-file rules that the linters do not enforce."""

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from .infra import IAC, OPTIONS, ROOT, load_terraform

yaml = pytest.importorskip("yaml")

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")


def load_workflow(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


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
