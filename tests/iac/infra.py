"""Readers for the deployment files: Terraform in iac/ (python-hcl2) and the Dockerfile."""

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
IAC = ROOT / "iac"
DOCKERFILE = ROOT / "Dockerfile"

OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
_REFERENCE = re.compile(r"\$\{(local|var)\.([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class Terraform:
    """The blocks of every iac/*.tf file, merged; `resolve` follows locals and variable defaults."""

    resources: dict[str, dict[str, dict[str, Any]]]
    data: dict[str, dict[str, dict[str, Any]]]
    locals: dict[str, Any]
    variables: dict[str, dict[str, Any]]
    terraform: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        return self.resources[kind][name]

    def resolve(self, value: Any) -> Any:
        """Replace `${local.x}` and `${var.x}` (its default) where they are known; recurse."""
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = _REFERENCE.fullmatch(value)
        if whole:
            found, known = self._lookup(whole.group(1), whole.group(2))
            return self.resolve(found) if known else value

        def substitute(match: re.Match[str]) -> str:
            found, known = self._lookup(match.group(1), match.group(2))
            resolved = self.resolve(found) if known else None
            return str(resolved) if isinstance(resolved, str | int | float) else match.group(0)

        return _REFERENCE.sub(substitute, value)

    def _lookup(self, scope: str, name: str) -> tuple[Any, bool]:
        if scope == "local":
            return self.locals.get(name), name in self.locals
        variable = self.variables.get(name, {})
        return variable.get("default"), "default" in variable


def _merge(blocks: list[dict[str, Any]], into: dict[str, dict[str, dict[str, Any]]]) -> None:
    for block in blocks:
        for kind, named in block.items():
            into.setdefault(kind, {}).update(named)


@cache
def load_terraform() -> Terraform:
    resources: dict[str, dict[str, dict[str, Any]]] = {}
    data: dict[str, dict[str, dict[str, Any]]] = {}
    local_values: dict[str, Any] = {}
    variables: dict[str, dict[str, Any]] = {}
    terraform: list[dict[str, Any]] = []
    outputs: dict[str, dict[str, Any]] = {}
    for path in sorted(IAC.glob("*.tf")):
        with path.open() as handle:
            parsed: dict[str, Any] = hcl2.load(handle, serialization_options=OPTIONS)
        _merge(parsed.get("resource", []), resources)
        _merge(parsed.get("data", []), data)
        for block in parsed.get("locals", []):
            local_values.update(block)
        for block in parsed.get("variable", []):
            variables.update(block)
        terraform.extend(parsed.get("terraform", []))
        for block in parsed.get("output", []):
            outputs.update(block)
    return Terraform(resources, data, local_values, variables, terraform, outputs)


@dataclass(frozen=True)
class Dockerfile:
    """Instructions of the final stage that matter to the runtime contract."""

    entrypoint: list[str]
    cmd: list[str]
    healthcheck: str
    exposed: list[int]
    env: dict[str, str]

    @property
    def command(self) -> list[str]:
        """What the container runs: ENTRYPOINT followed by CMD."""
        return [*self.entrypoint, *self.cmd]

    def option(self, flag: str) -> str:
        """The value after `flag` in CMD."""
        return self.cmd[self.cmd.index(flag) + 1]


def _exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
        raise ValueError(f"not an exec-form (JSON array) instruction: {arguments}")
    return parsed


@cache
def load_dockerfile(target: str | None = None) -> Dockerfile:
    """What the image built for `target` (default: the last stage, what `docker build` builds)
    runs with: its own instructions after those of the stages it is built FROM."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    instructions = [line.split(maxsplit=1) for line in lines if line and not line.startswith("#")]
    stages: dict[str, tuple[str, list[list[str]]]] = {}
    last = ""
    for op, *rest in instructions:
        if op.upper() == "FROM":
            words = rest[0].split()  # IMAGE [AS NAME]
            last = words[-1]
            stages[last] = (words[0], [])
        else:
            stages[last][1].append([op, *rest])
    chain: list[list[list[str]]] = []
    name = target or last
    while name in stages:
        chain.insert(0, stages[name][1])
        name = stages[name][0]
    found: dict[str, str] = {}
    exposed: list[int] = []
    env: dict[str, str] = {}
    for op, *rest in (instruction for stage in chain for instruction in stage):
        arguments = rest[0] if rest else ""
        if op.upper() == "EXPOSE":
            exposed.extend(int(port.split("/")[0]) for port in shlex.split(arguments))
        elif op.upper() == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arguments))  # type: ignore[misc]
        else:
            found[op.upper()] = arguments
    return Dockerfile(
        entrypoint=_exec_form(found["ENTRYPOINT"]) if "ENTRYPOINT" in found else [],
        cmd=_exec_form(found["CMD"]),
        healthcheck=found.get("HEALTHCHECK", "NONE"),
        exposed=exposed,
        env=env,
    )
