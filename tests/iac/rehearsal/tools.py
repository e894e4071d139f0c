"""What the rehearsal runs with: tools found on the machine or installed by `make test`.

Nothing here downloads: a missing tool is a skip whose reason says what to install.
"""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.iac.infra import IAC, ROOT

ASL_VALIDATOR = ROOT / ".tools" / "asl-validator" / "node_modules" / ".bin" / "asl-validator"
RIE = ROOT / ".tools" / "rie" / "aws-lambda-rie"
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
# Where Terraform's own documentation puts filesystem mirrors, and where machines here keep one.
MIRROR_ROOTS = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


NOTICES: list[str] = []


def notice(message: str) -> None:
    """Said at the end of the run (conftest.py): what the rehearsal did instead of the real one."""
    if message not in NOTICES:
        NOTICES.append(message)


def need(path: Path, how: str) -> Path:
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is missing: {how}")
    return path


def asl_validator() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the state machines cannot go through asl-validator")
    return need(ASL_VALIDATOR, "run `make asl-validator` (needs npm)")


def rie() -> Path:
    return need(RIE, "run `make rie`")


@dataclass(frozen=True)
class Provider:
    mirror: Path  # the directory holding registry.terraform.io/...
    version: tuple[int, ...]

    @property
    def label(self) -> str:
        return ".".join(map(str, self.version))


def terraform() -> str:
    found = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not found:
        pytest.skip(
            "no terraform binary on PATH (or $TERRAFORM): `terraform validate` and `terraform "
            "test` are not rehearsed here; check-infra's offline provider-schema check still ran"
        )
    return found


def aws_provider() -> Provider:
    """The newest AWS provider in a filesystem mirror on this machine ($TF_PLUGIN_MIRROR first)."""
    roots = [os.environ.get("TF_PLUGIN_MIRROR", ""), *MIRROR_ROOTS]
    found: list[Provider] = []
    for root in filter(None, roots):
        base = Path(root).expanduser()
        for version in (base / AWS_PROVIDER).glob("*/linux_amd64"):
            if re.fullmatch(r"\d+(\.\d+)*", version.parent.name):
                found.append(Provider(base, tuple(map(int, version.parent.name.split(".")))))
    if not found:
        pytest.skip(
            f"no filesystem mirror holding {AWS_PROVIDER} (looked in {', '.join(MIRROR_ROOTS)} "
            "and $TF_PLUGIN_MIRROR): `terraform validate`/`test` need the provider and the "
            "network is not used; check-infra's offline provider-schema check still ran"
        )
    return max(found, key=lambda provider: provider.version)


def required_major(versions_tf: Path = IAC / "versions.tf") -> int:
    """The major version `~> N.x` in versions.tf allows."""
    match = re.search(r'version\s*=\s*"~>\s*(\d+)\.\d+"', versions_tf.read_text())
    assert match, "versions.tf pins the AWS provider with ~> N.M"
    return int(match.group(1))
