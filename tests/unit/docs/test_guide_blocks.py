"""Every shell block in the guides is one tests/integration/test_guides_run.py can run: its
marker is known, what stands in has a check, each placeholder a value, each shown output is JSON,
and no command hides in a fence that is not a shell block (issue 19, item 12)."""

from pathlib import Path

import pytest

from tests.support.guides import (
    ANY,
    PLACEHOLDERS,
    ROOT,
    Block,
    GuideError,
    commands_outside_shell_blocks,
    differences,
    guides,
    shell_blocks,
    unmatched_outputs,
)
from tests.support.offline_checks import CHECKS

BLOCKS = [block for guide in guides() for block in shell_blocks(guide)]


def test_the_guides_hold_blocks_of_each_kind() -> None:
    kinds = {block.kind for block in BLOCKS}
    assert kinds == {"run", "service", "stand-ins"}
    assert sum(block.kind == "run" for block in BLOCKS) > len(BLOCKS) / 2


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_a_block_can_be_run(block: Block) -> None:
    assert set(block.programs) <= CHECKS.keys(), "a stand-in without a check"
    assert block.placeholders() <= PLACEHOLDERS, "a placeholder the test has no value for"
    assert isinstance(block.expected_outputs(), list)  # raises when a shown output is no JSON


def test_no_command_is_outside_a_shell_block() -> None:
    assert not [found for guide in guides() for found in commands_outside_shell_blocks(guide)]


def test_every_guide_with_commands_is_found() -> None:
    found = {block.guide for block in BLOCKS}
    assert {"README.md", "iac/README.md", "model_build/SERVE_YOUR_MODEL.md"} <= found
    assert all((ROOT / guide).is_file() for guide in found)


# How the harness reads a guide and judges what a block printed or called.


def write_guide(tmp_path: Path, text: str) -> Path:
    guide = tmp_path / "GUIDE.md"
    guide.write_text(text)
    return guide


def test_a_marked_block_in_a_list_item_is_read_without_its_indent(tmp_path: Path) -> None:
    text = "- roll back:\n\n  <!-- guide-test: stand-ins aws -->\n  ```sh\n  aws ecs list\n  ```\n"
    [block] = shell_blocks(write_guide(tmp_path, text), tmp_path)
    assert (block.where, block.kind, block.programs) == ("GUIDE.md:4", "stand-ins", ("aws",))
    assert block.script == "aws ecs list\n"


@pytest.mark.parametrize(
    "text",
    [
        "<!-- guide-test: stand-ins aws -->\n```json\n{}\n```\n",  # not a shell block
        "<!-- guide-test: skip -->\n```sh\ntrue\n```\n",  # not a kind the harness knows
        "<!-- guide-test: service -->\nprose\n```sh\ntrue\n```\n",  # not just before it
        "```sh\ntrue\n```\n<!-- guide-test: service -->\n",  # before nothing
    ],
)
def test_a_marker_the_harness_cannot_honour_fails(tmp_path: Path, text: str) -> None:
    with pytest.raises(GuideError):
        shell_blocks(write_guide(tmp_path, text), tmp_path)


def test_a_shown_output_must_be_printed_with_its_labels_and_keys(tmp_path: Path) -> None:
    shown = '```sh\ncurl x\n# {"label": "fraud", "confidence": 0.9,\n#  "version": "..."}\n```\n'
    [block] = shell_blocks(write_guide(tmp_path, shown), tmp_path)
    assert not unmatched_outputs(block, 'log {"label": "fraud", "confidence": 1, "version": "v"}')
    assert unmatched_outputs(block, '{"label": "legit", "confidence": 0.9, "version": "v"}')
    assert unmatched_outputs(block, '{"label": "fraud", "confidence": 0.9}')
    assert unmatched_outputs(block, '{"label": "fraud", "confidence": 0.9, "version": 1, "x": 2}')


def test_a_shown_version_or_ellipsis_stands_for_any() -> None:
    version = "20261126T131027Z-ba606abf"
    assert not differences({"v": "20270101T000000Z-0123abcd", "a": 1}, {"v": version, ANY: ANY})
    assert differences({"v": "latest"}, {"v": version})


@pytest.mark.parametrize(
    ("program", "call"),
    [
        ("aws", "ecs update-service --cluster c --service s --task-def x"),  # no such parameter
        ("aws", "ecs list-task-definitions --sort NEWEST"),  # not one of the enum's values
        ("aws", "ecs update-service --cluster c"),  # --service is required
        ("aws", "ecs roll-back --cluster c"),  # no such operation
        ("terraform", "output -raw service_url"),  # not run from the checkout's root
        ("terraform", "-chdir=iac output -raw service_address"),  # no such output
        ("terraform", "-chdir=iac output -raw jobs_bucket_uris"),  # an object
        ("terraform", "-chdir=iac apply -target=aws_ecr_repository.main"),  # no such resource
        ("gh", "workflow run cd.yml --ref main"),  # its required input is missing
        ("gh", "variable set SERVICE_ADDRESS --body x"),  # no workflow reads it
        ("docker", "buildx build --platform linux/arm64 ."),  # Lambda runs amd64 here
        ("make", "deploy"),  # no such target
    ],
)
def test_an_offline_check_finds_what_would_fail(program: str, call: str) -> None:
    assert CHECKS[program](call.split(), ROOT)
