"""Every `inferno` command in every guide's shell blocks parses against the CLI as it is now: a
renamed subcommand or flag fails here, in the fast tier, not in a reader's terminal (issue 19,
item 12; tests/integration/test_guides_run.py runs them)."""

import re
import shlex

import pytest

from handlers.cli.main import build_parser
from tests.support.guides import ROOT, guides, shell_blocks

ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")
# Placeholders a reader replaces (<job id>, <jobs bucket>) become one word.
PLACEHOLDER = re.compile(r"<[^<>\n]+>")
SEPARATORS = (";", "&&", "|", "||", "&", ")")


def inferno_commands() -> list[tuple[str, list[str]]]:
    """(where, argv) of each `inferno ...` in a shell block, env assignments and comments off."""
    found = []
    for guide in guides():
        for block in shell_blocks(guide):
            for line in block.script.replace("\\\n", " ").splitlines():
                # `KEY=$(.venv/bin/inferno ...)`: the command inside the substitution
                line = line.replace("$(", "$( ").replace(")", " )")
                words = shlex.split(PLACEHOLDER.sub("PLACEHOLDER", line), comments=True)
                while words and ENV_ASSIGNMENT.match(words[0]):
                    words = words[1:]
                for i, word in enumerate(words):
                    if word == "inferno" or word.endswith("/bin/inferno"):
                        argv = words[i + 1 :]
                        end = next(
                            (j for j, w in enumerate(argv) if w in SEPARATORS),
                            None,
                        )
                        rel = guide.relative_to(ROOT)
                        found.append((f"{rel}: {line.strip()}", argv[:end]))
                        break
    return found


COMMANDS = inferno_commands()


def test_the_guides_hold_commands_to_check() -> None:
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_a_guide_command_parses(where: str, argv: list[str]) -> None:
    parser = build_parser()
    try:
        parser.parse_args(argv)
    except SystemExit as exc:  # argparse's way of saying the command does not exist
        pytest.fail(f"{where}: `inferno {' '.join(argv)}` does not parse (exit {exc.code})")
