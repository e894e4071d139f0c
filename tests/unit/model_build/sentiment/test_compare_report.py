"""The candidate table on made-up results: one row per candidate and VADER's, the chosen one
marked, missing figures shown as '-', the left-out table, and the verdict under the rule."""

from dataclasses import dataclass
from typing import Any

from model_build.sentiment.compare_report import COLUMNS, compare_lines
from model_build.sentiment.cost import ServingCost
from model_build.sentiment.selection import RULE

SCORED = {
    "tweets": {"macro_f1": 0.70, "ece": 0.04},
    "long_reviews": {"accuracy": 0.90, "pn_accuracy": 0.95, "ece": 0.02},
    "product_sentences": {"macro_f1": 0.60},
    "review_sentences": {"macro_f1": 0.50},
    "negation_suite": {"accuracy": 0.45},
}
LEFT_OUT = {
    "tweets": {"left_out": 0.46, "vader": 0.44},
    "product_sentences": {"left_out": 0.47, "vader": 0.51},
}
COST = ServingCost(
    2_500_000, 0.25, {"tweets": {1: 900.0, 64: 40.0}, "long_reviews": {1: 5e3, 64: 3e2}}
)


@dataclass(frozen=True)
class Result:
    name: str
    domains: dict[str, dict[str, Any]]
    cost: ServingCost
    leave_one_out: dict[str, dict[str, Any]]


def vader() -> dict[str, dict[str, Any]]:
    return {d: {m: 0.4 for m in f if m != "ece"} for d, f in SCORED.items()}


def test_each_candidate_and_vader_get_a_row_of_every_column() -> None:
    results = [Result("a", SCORED, COST, LEFT_OUT), Result("b", SCORED, COST, LEFT_OUT)]
    lines = compare_lines(results, vader(), "b")
    table = [line for line in lines if line.startswith("|")][:5]
    assert len({line.count("|") for line in table}) == 1
    assert [line.split(" | ")[0] for line in table[2:]] == ["| a", "| **b** (chosen)", "| VADER"]
    a = table[2].split(" | ")
    assert a[1:4] == ["0.7000", "0.9000", "0.9500"]
    assert a[4:9] == ["0.6000", "0.5000", "-", "-", "0.4500"]  # domains not measured: '-'
    assert a[9:] == ["-0.0400", "0.0400", "900", "40", "5000", "300", "2.5", "0.25 |"]
    assert len(COLUMNS) == 8 and f"Rule: {RULE}" in lines
    assert "| a | 0.4600 | 0.4700 |" in lines and "| VADER | 0.4400 | 0.5100 |" in lines


def test_the_verdict_names_the_chosen_one_and_the_targets_it_misses() -> None:
    lines = compare_lines([Result("a", SCORED, COST, LEFT_OUT)], vader(), "a")
    assert lines[-1].startswith("Chosen: `a`. It is not on every target")
    nobody = compare_lines([Result("a", SCORED, COST, LEFT_OUT)], vader(), None)[-1]
    assert nobody == "No candidate is within the hard limits."
