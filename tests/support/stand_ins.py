"""Recording stand-ins for the commands that need an AWS account, GitHub or Docker (aws,
terraform, docker, gh, make): each one writes its arguments to a log and answers as a fresh
account would, so a script that calls them runs here and its calls can be checked afterwards."""

import json
import os
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# "Missing" (exit 254) for what a fresh account does not have yet; `terraform output` answers
# from STAND_IN_OUTPUTS; `aws ecr get-login-password` prints a password for `docker login`.
STAND_IN = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import json, os, sys
    name, args = os.path.basename(sys.argv[0]), sys.argv[1:]
    with open(os.environ["STAND_IN_LOG"], "a") as log:
        log.write(json.dumps([name, *args]) + "\\n")
    if not sys.stdin.isatty() and name in ("docker", "gh"):
        sys.stdin.read()
    missing = {{("aws", "s3api", "head-bucket"), ("aws", "ecr", "describe-images"),
               ("aws", "secretsmanager", "get-secret-value")}}
    if (name, *args[:2]) in missing:
        sys.exit(254)
    if name == "terraform" and "output" in args:
        value = json.loads(os.environ["STAND_IN_OUTPUTS"])[args[-1]]
        print(json.dumps(value) if "-json" in args else value, end="")
    if name == "aws" and args[:2] == ["ecr", "get-login-password"]:
        print("password")
    """
)


def install(bin_dir: Path, programs: Iterable[str]) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in programs:
        (bin_dir / name).write_text(STAND_IN)
        (bin_dir / name).chmod(0o755)


def environment(bin_dir: Path, log: Path, outputs: Mapping[str, Any]) -> dict[str, str]:
    """What a process needs to find the stand-ins first and record into `log`."""
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "STAND_IN_LOG": str(log),
        "STAND_IN_OUTPUTS": json.dumps(outputs),
    }


def recorded(log: Path) -> list[list[str]]:
    """Each call as [program, *arguments], in order."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]
