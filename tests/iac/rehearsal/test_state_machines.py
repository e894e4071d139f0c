"""Every state machine definition, rendered as Terraform's templatefile renders it, through
asl-validator (npm): what CreateStateMachine would refuse (duplicate state names, bad paths,
bad fields) fails here first."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.iac.infra import IAC, Terraform, load_terraform

from .tools import asl_validator

MACHINES = IAC / "state_machines"
_TEMPLATE = re.compile(
    r'templatefile\("\$\{path\.module\}/(state_machines/[^"]+)",\s*\{(.*)\}\)', re.S
)
# What the references templatefile is given resolve to once applied (values of that shape).
AWS_VALUES = {
    "aws_lambda_function.batch.arn": (
        "arn:aws:lambda:us-east-1:123456789012:function:inferno-prod-batch-job"
    ),
}


def rendered(tf: Terraform) -> dict[str, str]:
    """Each state machine resource's definition: its file with the template variables filled."""
    found = {}
    for name, machine in tf.resources.get("aws_sfn_state_machine", {}).items():
        match = _TEMPLATE.search(machine["definition"])
        assert match, (
            f"aws_sfn_state_machine.{name} is not rendered from state_machines/ by templatefile"
        )
        path, arguments = match.groups()
        values = dict(re.findall(r"(\w+)\s*=\s*([\w.]+)", arguments))
        text = (IAC / path).read_text()
        for variable, expression in values.items():
            text = text.replace("${" + variable + "}", str(_value(tf, expression)))
        assert "${" not in text, f"{path} uses a template variable Terraform does not pass"
        found[path] = text
    return found


def _value(tf: Terraform, expression: str) -> Any:
    if expression.startswith("var."):
        return tf.variables[expression.removeprefix("var.")]["default"]
    return AWS_VALUES[expression]


def test_every_definition_file_is_a_state_machine_terraform_creates() -> None:
    files = {f"state_machines/{p.name}" for p in MACHINES.glob("*.json")}
    assert files and files == set(rendered(load_terraform()))


@pytest.mark.parametrize("path", sorted(rendered(load_terraform())))
def test_asl_validator_finds_no_problem(path: str, tmp_path: Path) -> None:
    # GIVEN the definition as Terraform renders it
    validator = asl_validator()
    definition = tmp_path / Path(path).name
    definition.write_text(rendered(load_terraform())[path])
    json.loads(definition.read_text())
    # WHEN asl-validator (the npm package CreateStateMachine's rules are modelled in) reads it
    done = subprocess.run(
        [str(validator), "--json-path", str(definition)], capture_output=True, text=True, timeout=60
    )
    # THEN it reports 0 problems
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is valid" in done.stdout
