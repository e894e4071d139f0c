"""What a call to a stand-in (tests/support/stand_ins.py) must be to work for real, checked
without the account, GitHub or Docker it needs: each function takes the arguments one call was
given and the folder it ran in, and says what would fail. `CHECKS` names one per program."""

import re
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import yaml
from botocore import xform_name
from botocore.model import OperationModel

from tests.iac.infra import IAC, ROOT, load_dockerfile, load_terraform

Check = Callable[[list[str], Path], list[str]]
WORKFLOWS = ROOT / ".github" / "workflows"


def make(args: list[str], cwd: Path) -> list[str]:
    """`make -n` resolves every target and prerequisite without running a recipe."""
    done = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    return [] if done.returncode == 0 else [f"make -n {' '.join(args)}: {done.stderr.strip()}"]


# The AWS CLI's own options, valid with every operation.
AWS_GLOBAL = {"--region", "--output", "--query", "--profile", "--endpoint-url", "--no-cli-pager"}
AWS_PAGING = {"--max-items", "--starting-token", "--page-size"}
AWS_SERVICES = {"s3api": "s3"}  # CLI command -> botocore service, where they differ


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def aws(args: list[str], cwd: Path) -> list[str]:
    """The operation and every parameter exist in botocore's service model (the one the CLI is
    generated from), required parameters are given and enumerated values are allowed ones."""
    if len(args) < 2:
        return [f"aws {' '.join(args)}: no operation"]
    service, command, rest = AWS_SERVICES.get(args[0], args[0]), args[1], args[2:]
    if (args[0], command) in AWS_CUSTOM:
        return AWS_CUSTOM[args[0], command](rest, cwd)
    if service not in _session().get_available_services():
        return [f"aws {args[0]}: no such service"]
    model = _session().get_service_model(service)
    names = {xform_name(name, "-"): name for name in model.operation_names}
    if command not in names:
        return [f"aws {args[0]} {command}: no such operation"]
    operation = model.operation_model(names[command])
    return _parameters(operation, rest, _paginated(service, names[command]))


def _paginated(service: str, operation: str) -> bool:
    try:
        _session().get_paginator_model(service).get_paginator(operation)
    except ValueError:
        return False
    return True


def _parameters(operation: OperationModel, args: list[str], paginated: bool) -> list[str]:
    shape = operation.input_shape
    known = shape.members if shape is not None else {}
    members = {f"--{xform_name(name, '-')}": member for name, member in known.items()}
    allowed = members.keys() | AWS_GLOBAL | (AWS_PAGING if paginated else set())
    given, problems = set(), []
    for i, arg in enumerate(args):
        if not arg.startswith("--"):
            continue
        name, value = arg.split("=", 1)[0], args[i + 1] if i + 1 < len(args) else ""
        given.add(name)
        enum = getattr(members.get(name), "enum", None)
        if name not in allowed:
            problems.append(f"{operation.name}: no parameter {name}")
        elif enum and value not in enum:
            problems.append(f"{operation.name} {name} {value}: not one of {enum}")
    required = shape.required_members if shape is not None else []
    missing = {f"--{xform_name(name, '-')}" for name in required} - given
    return problems + [f"{operation.name}: {name} is required" for name in sorted(missing)]


def _ecr_get_login_password(args: list[str], cwd: Path) -> list[str]:
    extra = [arg for arg in args if arg.startswith("--") and arg not in AWS_GLOBAL]
    return [f"ecr get-login-password: no option {arg}" for arg in extra]


def _s3_cp(args: list[str], cwd: Path) -> list[str]:
    paths = [arg for arg in args if not arg.startswith("--")]
    if len(paths) != 2 or not any(path.startswith("s3://") for path in paths):
        return [f"s3 cp {' '.join(args)}: a source and a destination, one of them s3://"]
    source = paths[0]
    return [] if source.startswith("s3://") or (cwd / source).is_file() else [f"no {source}"]


# The CLI's own commands (not operations of the service model).
AWS_CUSTOM: dict[tuple[str, str], Check] = {
    ("ecr", "get-login-password"): _ecr_get_login_password,
    ("s3", "cp"): _s3_cp,
}

TERRAFORM_FLAGS = {"-input=false", "-auto-approve", "-no-color", "-raw", "-json", "-reconfigure"}


def terraform(args: list[str], cwd: Path) -> list[str]:
    """From the checkout's iac/, naming only outputs, variables, variable files and resources
    that iac/ declares."""
    if not args or not args[0].startswith("-chdir="):
        return [f"terraform {' '.join(args)}: without -chdir=iac (guides run from the root)"]
    if (cwd / args[0].removeprefix("-chdir=")).resolve() != IAC.resolve():
        return [f"terraform {args[0]}: not the configuration in iac/"]
    command, rest = args[1], args[2:]
    tf, problems = load_terraform(), []
    if command == "output":
        names = [arg for arg in rest if not arg.startswith("-")]
        name = names[0] if len(names) == 1 else " ".join(names)
        if name not in tf.outputs:
            return [f"terraform output {name}: not one output iac/ declares"]
        if "-raw" in rest and isinstance(tf.outputs[name]["value"], dict):
            problems.append(f"terraform output -raw {name}: an object (use -json)")
    values = iter(rest)
    for arg in values:
        option, _, value = arg.partition("=")
        if option == "-var":
            name = (value or next(values, "")).partition("=")[0]
            problems += [] if name in tf.variables else [f"-var {name}: no such variable"]
        elif option == "-var-file":
            problems += [] if (IAC / value).is_file() else [f"-var-file: no iac/{value}"]
        elif option == "-target":
            kind, _, resource = value.partition(".")
            problems += [] if resource in tf.resources.get(kind, {}) else [f"no resource {value}"]
        elif option == "-backend-config" and "=" not in value:
            problems += [] if (IAC / value).is_file() else [f"-backend-config: no iac/{value}"]
        elif arg.startswith("-") and option != "-backend-config" and arg not in TERRAFORM_FLAGS:
            problems.append(f"terraform {command}: option {arg} is not one the guides use")
    if command not in ("output", "init", "plan", "apply", "destroy", "validate"):
        problems.append(f"terraform {command}: not a command the guides use")
    return problems


def _workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def gh(args: list[str], cwd: Path) -> list[str]:
    """Variables a workflow reads, workflows that can be run by hand with the inputs given, and
    the REST endpoints the guides call."""
    if args[:2] == ["variable", "set"]:
        used = any(f"vars.{args[2]}" in path.read_text() for path in WORKFLOWS.glob("*.yml"))
        return [] if used else [f"gh variable set {args[2]}: no workflow reads it"]
    if args[:2] == ["workflow", "run"]:
        if not (WORKFLOWS / args[2]).is_file():
            return [f"gh workflow run {args[2]}: no such workflow"]
        on = _workflow(args[2]).get(True) or {}  # YAML 1.1 reads the key `on` as true
        if "workflow_dispatch" not in on:
            return [f"{args[2]} cannot be run by hand (no workflow_dispatch)"]
        inputs = (on["workflow_dispatch"] or {}).get("inputs") or {}
        given = {args[i + 1].split("=")[0] for i, arg in enumerate(args) if arg in ("-f", "-F")}
        required = {name for name, spec in inputs.items() if spec.get("required")}
        return [f"{args[2]}: no input {name}" for name in sorted(given - set(inputs))] + [
            f"{args[2]}: input {name} is required" for name in sorted(required - given)
        ]
    if args[:1] == ["api"]:
        method = args[args.index("-X") + 1] if "-X" in args else "GET"
        path = next(arg for arg in args[1:] if not arg.startswith("-") and arg != method)
        known = any(m == method and re.fullmatch(p, path) for m, p in GITHUB_ENDPOINTS)
        return [] if known else [f"gh api {method} {path}: not an endpoint the guides know"]
    return [f"gh {' '.join(args[:2])}: no check for this command"]


# GitHub REST endpoints the guides call, as documented by GitHub.
GITHUB_ENDPOINTS = (("PUT", r"repos/[^/]+/[^/]+/actions/oidc/customization/sub"),)
DOCKER_BUILD_FLAGS = {"--provenance=false", "--push", "--load"}


def docker(args: list[str], cwd: Path) -> list[str]:
    """A login to a registry, or a build of a context whose Dockerfile the IaC tests read."""
    if args[:1] == ["login"]:
        odd = set(args[1:]) - {"--username", "AWS", "--password-stdin"}
        return [] if len(odd) == 1 else [f"docker login {' '.join(args[1:])}: one registry"]
    if args[:2] != ["buildx", "build"]:
        return [f"docker {' '.join(args[:2])}: no check for this command"]
    problems, rest = [], iter(args[2:])
    for arg in rest:
        if arg in ("--tag", "-t"):
            next(rest)
        elif arg == "--platform":
            platform = next(rest)
            problems += [] if platform == "linux/amd64" else [f"{platform}: Lambda runs amd64"]
        elif arg == "--target":
            target = next(rest)
            dockerfile = (ROOT / "Dockerfile").read_text()
            stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", dockerfile, re.M | re.I)
            problems += [] if target in stages else [f"--target {target}: no such stage"]
        elif arg.startswith("-"):
            if arg not in DOCKER_BUILD_FLAGS:
                problems.append(f"docker buildx build: option {arg} is not one the guides use")
        elif (cwd / arg / "Dockerfile").resolve() != (ROOT / "Dockerfile").resolve():
            problems.append(f"docker buildx build {arg}: not the checkout (its Dockerfile)")
    load_dockerfile()  # the Dockerfile parses as the image tests read it
    return problems


CHECKS: dict[str, Check] = {
    "make": make,
    "aws": aws,
    "terraform": terraform,
    "gh": gh,
    "docker": docker,
}
