"""The candidate table on made-up results: one row per candidate and VADER's, the chosen one
marked, missing figures shown as '-', and the verdict under the rule."""

from dataclasses import dataclass
from typing import Any

from model_build.sentiment.compare_report import COLUMNS, compare_lines
from model_build.sentiment.cost import ServingCost
from model_build.sentiment.selection import RULE

SCORED = {
    "tweets": {"macro_f1": 0.70},
    "long_reviews": {"accuracy": 0.90, "pn_accuracy": 0.95},
    "product_sentences": {"macro_f1": 0.60},
    "review_sentences": {"macro_f1": 0.50},
}
COST = ServingCost(
    2_500_000, 0.25, {"tweets": {1: 900.0, 64: 40.0}, "long_reviews": {1: 5e3, 64: 3e2}}
)


@dataclass(frozen=True)
class Result:
    name: str
    domains: dict[str, dict[str, Any]]
    cost: ServingCost


def test_each_candidate_and_vader_get_a_row_of_every_column() -> None:
    vader: dict[str, dict[str, Any]] = {d: {m: 0.4 for m in f} for d, f in SCORED.items()}
    lines = compare_lines([Result("a", SCORED, COST), Result("b", SCORED, COST)], vader, "b")
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 3 and len({line.count("|") for line in table}) == 1
    assert [line.split(" | ")[0] for line in table[2:]] == ["| a", "| **b** (chosen)", "| VADER"]
    a = table[2].split(" | ")
    assert a[1:4] == ["0.7000", "0.9000", "0.9500"]
    assert a[4:8] == ["0.6000", "0.5000", "-", "-"]  # domains not measured
    assert a[8:] == ["0.6750", "900", "40", "5000", "300", "2.5", "0.25 |"]
    assert len(COLUMNS) == 7 and f"Rule: {RULE}" in lines


def test_the_verdict_names_the_chosen_one_and_a_missed_tweets_target() -> None:
    vader: dict[str, dict[str, Any]] = {d: {m: 0.4 for m in f} for d, f in SCORED.items()}
    lines = compare_lines([Result("a", SCORED, COST)], vader, "a")
    assert lines[-1] == (
        "Chosen: `a`. It misses the tweets target (0.7000 < 0.74): no candidate reached it."
    )
    good = {**SCORED, "tweets": {"macro_f1": 0.80}}
    assert compare_lines([Result("a", good, COST)], vader, "a")[-1] == "Chosen: `a`."
    nobody = compare_lines([Result("a", SCORED, COST)], vader, None)[-1]
    assert nobody == "No candidate is within the hard limits."
