"""What the guides name exists and runs: files, the routes' dependencies, Terraform commands from
the checkout's root, the job guide's first example and the benchmark's --help (issue 19,
item 12)."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import handlers.http.deps as deps
from shared.store.local import LocalStore
from tests.support.guides import ROOT, guides, shell_blocks

REPO_PATH = re.compile(
    r"`((?:shared|handlers|iac|model_build|tests|events)/[\w./-]*\.(?:py|tf|json|md|hcl|sh|jsonl))`"
)
DEPENDENCY = re.compile(r"`([A-Z]\w*Dep)`")
TERRAFORM = re.compile(r"terraform\s+(?:-\S+\s+)*(?:output|apply|destroy|plan)\b[^`\n]*")
GUIDES = {guide.relative_to(ROOT).as_posix(): guide.read_text() for guide in guides()}


def test_every_repository_path_a_guide_names_exists() -> None:
    missing = [
        f"{name}: {path}"
        for name, text in GUIDES.items()
        for path in REPO_PATH.findall(text)
        if not (ROOT / path).exists() and not (ROOT / name).parent.joinpath(path).exists()
    ]
    assert not missing


def test_every_dependency_a_guide_names_is_in_deps() -> None:
    named = {(name, dep) for name, text in GUIDES.items() for dep in DEPENDENCY.findall(text)}
    assert named, "the routes' guides name their dependencies"
    assert not [f"{name}: {dep}" for name, dep in named if not hasattr(deps, dep)]


def test_terraform_commands_in_guides_run_from_the_checkouts_root() -> None:
    # The guides are read from the checkout's root, where the configuration is iac/.
    commands = [(n, c) for n, text in GUIDES.items() for c in TERRAFORM.findall(text)]
    assert commands
    assert not [f"{name}: {command}" for name, command in commands if "-chdir=" not in command]


def jobs_guide_first_command() -> list[str]:
    block = shell_blocks(ROOT / "shared/jobs/README.md")[0]
    return shlex.split(block.script.splitlines()[0], comments=True)


def test_the_job_guides_first_example_runs_as_written(
    local_store: LocalStore, tmp_path: Path
) -> None:
    argv = jobs_guide_first_command()
    assert argv[0] == ".venv/bin/inferno" and "--keep" in argv
    output = argv[4]
    # Run from the checkout as written; only the store is this test's and the output its own.
    argv = [
        sys.executable,
        "-m",
        "handlers.cli.main",
        *argv[1:4],
        str(tmp_path / output),
        *argv[5:],
    ]
    done = subprocess.run(
        [*argv, "--store", str(local_store.root), "--workers", "1", "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    parts = sorted((tmp_path / output / "parts").glob("*.jsonl"))
    lines = [json.loads(line) for part in parts for line in part.read_text().splitlines()]
    # Each ticket scored with its customer carried through; the line that is not JSON an error
    assert [line.get("fields") for line in lines if "prediction" in line] == [
        {"customer": "c-1"},
        {"customer": "c-2"},
    ]
    assert sum("error" in line for line in lines) == 1


@pytest.mark.parametrize("argv", [["--help"], ["-h"]])
def test_the_jobs_benchmark_explains_itself(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.performance.jobs_throughput", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout and "--model-dir" in done.stdout
