"""Every shell block in the guides is one tests/integration/test_guides_run.py can run: its
marker is known, what stands in has a check, each placeholder a value, each shown output is JSON,
and no command hides in a fence that is not a shell block (issue 19, item 12)."""

import pytest

from tests.support.guides import (
    PLACEHOLDERS,
    ROOT,
    Block,
    commands_outside_shell_blocks,
    guides,
    shell_blocks,
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
