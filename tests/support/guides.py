"""The shell blocks of the guides, as a reader meets them: in order, each with the marker that
says how `tests/integration/test_guides_run.py` runs it, and the output it shows.

A block runs as written unless the HTML comment just before it says otherwise:
`<!-- guide-test: service -->` (it talks to the service `make serve` starts) or
`<!-- guide-test: stand-ins aws terraform -->` (those programs need an account, GitHub or Docker:
the block runs with recording stand-ins, and each call is checked offline).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHELLS = frozenset({"sh", "bash", "console", "shell"})
# Not guides: tools, caches, and what tests and benchmarks write.
SKIPPED = frozenset({"build", "node_modules", ".venv", ".tools", ".pytest_cache", ".git", ".cache"})
SKIPPED_PATHS = ("tests/performance/results",)
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
MARKER = re.compile(r"<!--\s*guide-test:\s*(?P<spec>.*?)\s*-->")
KINDS = frozenset({"service", "stand-ins"})
# `<previous-version>`: a value the reader fills in (not a redirection: no space after `<`).
PLACEHOLDER = re.compile(r"<([a-z][a-z0-9 -]*)>")
# The ones test_guides_run.py knows a value for.
PLACEHOLDERS = frozenset({"previous-version", "version", "revision", "full-commit-sha"})
# How a command starts, to find one in a fence that is not a shell block.
COMMAND = re.compile(r"^\s*(\.venv/bin/|make |curl |terraform |aws |gh |docker |sam )", re.M)
EXPECTED = re.compile(r"^\s*# (?P<json>[{\[].*)$", re.MULTILINE)
ANY = "..."
VERSION = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


@dataclass(frozen=True)
class Block:
    where: str  # guide:line of the opening fence, the guide's path from the checkout's root
    language: str
    script: str
    kind: str  # "run", "service" or "stand-ins"
    programs: tuple[str, ...]  # what stands in, for "stand-ins"

    @property
    def guide(self) -> str:
        return self.where.rpartition(":")[0]

    def expected_outputs(self) -> list[Any]:
        """The JSON documents the block shows as comments (`# {...}`, continued on the comment
        lines after it when long), in order."""
        lines, found = self.script.splitlines(), []
        for i, line in enumerate(lines):
            if not EXPECTED.match(line):
                continue
            text = line.split("#", 1)[1]
            for more in lines[i + 1 :]:
                if _parses(text) or not more.lstrip().startswith("#"):
                    break
                text += more.split("#", 1)[1]
            found.append(json.loads(text))
        return found

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.script))


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def guides(root: Path = ROOT) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if not SKIPPED.intersection(path.relative_to(root).parts)
        and not path.relative_to(root).as_posix().startswith(SKIPPED_PATHS)
    )


class GuideError(ValueError):
    """A marker the harness cannot honour: unknown, or not followed by a shell block."""


def shell_blocks(guide: Path, root: Path = ROOT) -> list[Block]:
    """Every shell block of `guide`, indented ones (in list items) included, with its marker."""
    text, name = guide.read_text(), guide.relative_to(root).as_posix()
    found, start = [], 0
    for fence in FENCE.finditer(text):
        between = text[start : fence.start()]
        markers = list(MARKER.finditer(between))
        start = fence.end()
        language = fence.group("info").strip().split(" ")[0]
        at = f"{name}:{text.count(chr(10), 0, fence.start()) + 1}"
        if markers and (language not in SHELLS or between[markers[-1].end() :].strip()):
            raise GuideError(f"{at}: a guide-test marker must come just before a shell block")
        if len(markers) > 1:
            raise GuideError(f"{at}: one guide-test marker per block")
        if language not in SHELLS:
            continue
        kind, programs = "run", ()
        if markers:
            kind, *words = markers[0].group("spec").split()
            programs = tuple(words)
            if kind not in KINDS or bool(programs) != (kind == "stand-ins"):
                raise GuideError(f"{at}: unknown marker {markers[0].group(0)}")
        indent = fence.group("indent")
        body = "".join(row.removeprefix(indent) for row in fence.group("body").splitlines(True))
        found.append(Block(at, language, body, kind, programs))
    if MARKER.search(text[start:]):
        raise GuideError(f"{name}: a guide-test marker after the last block")
    return found


def commands_outside_shell_blocks(guide: Path) -> list[str]:
    """Commands in fences that are not shell blocks (no language, or another): never run."""
    return [
        f"{guide.name}: {match.group(0).strip()}"
        for fence in FENCE.finditer(guide.read_text())
        if fence.group("info").strip().split(" ")[0] not in SHELLS
        for match in COMMAND.finditer(fence.group("body"))
    ]


def printed_documents(text: str) -> list[Any]:
    """Every JSON object or array printed, curl's included (it ends none with a newline)."""
    found, decoder = [], json.JSONDecoder()
    at = _next_document(text, 0)
    while at != -1:
        try:
            document, end = decoder.raw_decode(text, at)
        except ValueError:
            end = at + 1
        else:
            found.append(document)
        at = _next_document(text, end)
    return found


def _next_document(text: str, start: int) -> int:
    starts = [i for i in (text.find("{", start), text.find("[", start)) if i != -1]
    return min(starts, default=-1)


def differences(actual: Any, expected: Any, where: str = "$") -> list[str]:
    """How `actual` differs from the output a guide shows. Numbers match any number (they depend
    on the model), `"..."` any value and a version any version; objects have the keys shown, or
    at least those with `"...": "..."` among them; lists match element by element."""
    if expected == ANY:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        shown = {key: value for key, value in expected.items() if key != ANY}
        problems = [f"{where}: no {key!r}" for key in shown if key not in actual]
        if ANY not in expected:
            problems += [f"{where}: {key!r} is not shown" for key in actual if key not in shown]
        for key in shown.keys() & actual.keys():
            problems += differences(actual[key], shown[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [p for i, pair in enumerate(zip(actual, expected, strict=True))
                for p in differences(*pair, f"{where}[{i}]")]  # fmt: skip
    if isinstance(expected, bool) or expected is None or isinstance(actual, bool):
        return [] if actual is expected else [f"{where}: {actual!r}, shown {expected!r}"]
    if isinstance(expected, int | float):
        return [] if isinstance(actual, int | float) else [f"{where}: {actual!r} is no number"]
    if isinstance(expected, str) and VERSION.fullmatch(expected):
        ok = isinstance(actual, str) and VERSION.fullmatch(actual)
        return [] if ok else [f"{where}: {actual!r} is no version"]
    return [] if actual == expected else [f"{where}: {actual!r}, shown {expected!r}"]


def unmatched_outputs(block: Block, stdout: str) -> list[str]:
    """Each output the block shows must be printed, in the order shown."""
    printed, at, problems = printed_documents(stdout), 0, []
    for expected in block.expected_outputs():
        found = next(
            (i for i in range(at, len(printed)) if not differences(printed[i], expected)), None
        )
        if found is None:
            closest = [differences(doc, expected) for doc in printed[at:]] or [["nothing printed"]]
            problems.append(f"{json.dumps(expected)}: {min(closest, key=len)}")
        else:
            at = found + 1
    return problems
