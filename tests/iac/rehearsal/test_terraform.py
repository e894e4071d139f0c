"""`terraform validate` and `terraform test` (iac/tests/*.tftest.hcl, mock_provider) planning
the prod and dev variable files, offline: the terraform binary and the AWS provider come from
this machine (a filesystem mirror), never from the registry.

When the provider found is older than versions.tf allows, the check runs on a temporary copy
of iac/ with the constraint widened to that version, and says so: validation then covers what
that provider version knows (check-infra's provider-schema check covers the pinned one).
"""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.iac.infra import IAC

from .tools import aws_provider, notice, required_major, terraform

ENVIRONMENTS = sorted(p.name for p in (IAC / "environments").glob("*.tfvars"))


@dataclass(frozen=True)
class Workdir:
    path: Path
    env: dict[str, str]
    binary: str

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args, "-no-color"],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workdir]:
    """A copy of iac/ initialised from the local mirror only (no .terraform in the checkout)."""
    binary, provider = terraform(), aws_provider()
    root = tmp_path_factory.mktemp("terraform")
    copy = root / "iac"
    shutil.copytree(IAC, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    major = required_major()
    if provider.version[0] != major:
        versions = copy / "versions.tf"
        widened = re.sub(
            r'version\s*=\s*"~>\s*\d+\.\d+"',
            f'version = ">= {provider.label}"',
            versions.read_text(),
        )
        versions.write_text(widened)
        notice(
            f"the AWS provider on this machine is {provider.label} and versions.tf wants "
            f"~> {major}.0: validating a temporary copy with the constraint widened to "
            f">= {provider.label}"
        )
    config = root / "terraform.rc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{provider.mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n'
    )
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "HOME": str(root),
    }
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    work = Workdir(copy, env, binary)
    init = work.run("init", "-backend=false", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr
    yield work


def test_terraform_validate_succeeds(workdir: Workdir) -> None:
    done = workdir.run("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The configuration is valid" in done.stdout


@pytest.mark.parametrize("tfvars", ENVIRONMENTS)
def test_terraform_test_plans_the_environment(workdir: Workdir, tfvars: str) -> None:
    # GIVEN the mocked provider (iac/tests/plan.tftest.hcl) and one environment's variables
    # WHEN terraform test plans the stack, and the runs that must be refused
    done = workdir.run("test", f"-var-file=environments/{tfvars}", timeout=600)
    # THEN every run passes: the plan, and each refusal (placeholder image tag, a Fargate size
    # that does not pair, reserved concurrency above the account's quota)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert re.search(r"Success! (\d+) passed, 0 failed", done.stdout), done.stdout[-2000:]
