"""cd.yml's check on a hand-picked SHA, run as the workflow's step runs it (its .ci/cd script)
with a stand-in `gh` that answers as GitHub's API would for a SHA on main or not, green or not."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.iac.infra import ROOT

yaml = pytest.importorskip("yaml")

CD = ROOT / ".github" / "workflows" / "cd.yml"
SHA = "0123456789abcdef0123456789abcdef01234567"
# `gh api repos/R/compare/SHA...main --jq .status` prints the comparison's status; `gh run list
# ... --jq length` prints how many runs matched the filters.
GH = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import os, sys
    args = sys.argv[1:]
    if args[0] == "api":
        assert args[1] == "repos/owner/name/compare/{SHA}...main", args
        print(os.environ["COMPARE_STATUS"])
    elif args[:2] == ["run", "list"]:
        assert {{"--workflow", "ci.yml", "--branch", "main", "--status", "success"}} <= set(args)
        assert args[args.index("--commit") + 1] == "{SHA}", args
        print(os.environ["GREEN_RUNS"])
    else:
        sys.exit(f"unexpected gh {{args}}")
    """
)


def dispatch_check() -> dict[str, Any]:
    steps = yaml.safe_load(CD.read_text())["jobs"]["deploy"]["steps"]
    [step] = [s for s in steps if s.get("if") == "github.event_name == 'workflow_dispatch'"]
    return dict(step)


@pytest.mark.parametrize(
    ("compare", "green", "passes"),
    [
        ("ahead", "1", True),  # an older commit of main that passed CI: a rollback
        ("identical", "2", True),  # main's head
        ("diverged", "1", False),  # a branch's commit
        ("behind", "1", False),  # ahead of main: not merged
        ("ahead", "0", False),  # on main, but CI never passed for it
    ],
)
def test_a_manual_deploy_runs_only_a_sha_on_main_that_passed_ci(
    tmp_path: Path, compare: str, green: str, passes: bool
) -> None:
    # GIVEN GitHub's answers about the SHA
    gh = tmp_path / "gh"
    gh.write_text(GH)
    gh.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(dispatch_check()["run"])
    env = {
        **os.environ,
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "GIT_SHA": SHA,
        "GITHUB_REPOSITORY": "owner/name",
        "COMPARE_STATUS": compare,
        "GREEN_RUNS": green,
    }
    # WHEN the step runs as Actions runs it
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # THEN only a SHA in main's history with a green CI run goes on to deploy
    assert (done.returncode == 0) is passes, done.stdout + done.stderr
    if not passes:
        assert "::error::" in done.stdout
