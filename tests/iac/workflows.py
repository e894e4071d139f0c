"""Readers for .github/workflows: the steps, the `.ci` script or make targets each `run:` calls,
and the text a step runs (its script's, where it calls one)."""

import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .infra import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MAKEFILE = ROOT / "Makefile"
# A rule's targets: `name other: prerequisites`, not `NAME := value` nor `NAME ?= value`.
_RULE = re.compile(r"^([A-Za-z0-9_./-]+(?:[ \t]+[A-Za-z0-9_./-]+)*)[ \t]*:(?![:=])", re.M)


def load_workflow(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def run_steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every step with a `run:`, and the job it belongs to."""
    for name, job in load_workflow(path)["jobs"].items():
        for step in job.get("steps", []):
            if "run" in step:
                yield name, step


def script_of(step: dict[str, Any]) -> Path | None:
    """The .ci script a step runs (`bash .ci/x` or `.ci/x`), or None when it runs something else."""
    words = shlex.split(step["run"])
    if words[:1] == ["bash"]:
        words = words[1:]
    if words and words[0].startswith(".ci/"):
        return ROOT / words[0]
    return None


def make_targets(step: dict[str, Any]) -> list[str] | None:
    """The targets of a step that runs `make <target>...`, or None when it runs something else."""
    words = shlex.split(step["run"])
    return words[1:] if words[:1] == ["make"] else None


@cache
def makefile_targets() -> frozenset[str]:
    return frozenset(name for rule in _RULE.findall(MAKEFILE.read_text()) for name in rule.split())


def step_text(step: dict[str, Any]) -> str:
    """What a step runs: its script's text when it calls one, else its `run:` itself."""
    script = script_of(step)
    return script.read_text() if script is not None and script.is_file() else str(step["run"])


def with_scripts(path: Path) -> str:
    """A workflow's text followed by the text of every script its steps run."""
    scripts = {s for _, step in run_steps(path) if (s := script_of(step)) and s.is_file()}
    return "\n".join([path.read_text(), *(s.read_text() for s in sorted(scripts))])
