"""The README's metrics table is the documented contract: it must say what
shared/metrics_contract.py says, row for row. On a mismatch the failure prints the rows to paste
into the README."""

import re
from pathlib import Path

from shared.metrics_contract import ALL_METRICS
from shared.observability.metric_names import CLIENT_METRICS, MetricSpec

README = Path(__file__).resolve().parents[4] / "shared" / "observability" / "README.md"
SECTION = re.compile(r"<!-- observability:start -->(.*?)<!-- observability:end -->", re.DOTALL)
HEADER = "| metric | unit | dimensions | emitted |"


def contract_row(spec: MetricSpec) -> str:
    dimensions = ", ".join(f"`{name}`" for name in ("service", *spec.dimensions))
    return f"| `{spec.name}` | {spec.unit} | {dimensions} | {spec.emitted} |"


def readme_rows(text: str) -> list[str]:
    """The rows of the metrics table inside the README's observability section."""
    match = SECTION.search(text)
    assert match, "README.md has no observability section between its markers"
    lines = [line.strip() for line in match.group(1).splitlines()]
    assert HEADER in lines, f"no table headed {HEADER!r} in the observability section"
    rows = []
    for line in lines[lines.index(HEADER) + 2 :]:  # skip the |---| line
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_readme_metrics_table_matches_the_contract() -> None:
    # GIVEN the README and the metric contract
    expected = [contract_row(spec) for spec in ALL_METRICS]
    # WHEN the README's table is read THEN it has one row per metric, in contract order, equal
    assert readme_rows(README.read_text()) == expected, "\n".join(["README rows:", *expected])


def test_readme_rows_for_the_per_client_dimensions_match_the_contract() -> None:
    match = SECTION.search(README.read_text())
    assert match
    lines = {line.strip() for line in match.group(1).splitlines()}
    missing = [row for row in map(contract_row, CLIENT_METRICS) if row not in lines]
    assert missing == [], "\n".join(["README rows:", *missing])


def test_a_drifted_table_is_caught() -> None:
    # GIVEN a README whose table lost a dimension on one metric
    good = "\n".join([HEADER, "|---|---|---|---|", *(contract_row(s) for s in ALL_METRICS)])
    drifted = good.replace("`service`, `route`, `status_class`", "`service`, `route`")
    text = f"<!-- observability:start -->\n{drifted}\n<!-- observability:end -->"
    # WHEN its rows are compared with the contract THEN they differ
    assert readme_rows(text) != [contract_row(spec) for spec in ALL_METRICS]
    assert readme_rows(text.replace(drifted, good)) == [contract_row(s) for s in ALL_METRICS]
