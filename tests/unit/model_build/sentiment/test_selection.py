"""The written rule that picks the default pipeline, applied to made-up candidate results."""

from dataclasses import dataclass
from typing import Any

from model_build.sentiment.cost import ServingCost
from model_build.sentiment.selection import choose, gate_losses, missed_targets

VADER = {
    "tweets": {"macro_f1": 0.45},
    "long_reviews": {"accuracy": 0.69},
    "product_sentences": {"macro_f1": 0.54},
    "review_sentences": {"macro_f1": 0.42},
}


@dataclass(frozen=True)
class Result:
    name: str
    domains: dict[str, dict[str, Any]]
    cost: ServingCost
    leave_one_out: dict[str, dict[str, Any]]


def result(
    name: str,
    margins: tuple[float, float],
    b1: float = 1000.0,
    tweets: float = 0.745,
    suite: float = 0.9,
    ece: float = 0.03,
) -> Result:
    """In-domain figures above every target; left-out margins over VADER on two domains."""
    domains = {
        "tweets": {"macro_f1": tweets, "ece": ece},
        "long_reviews": {"accuracy": 0.9, "ece": 0.02},
        "product_sentences": {"macro_f1": 0.6},
        "review_sentences": {"macro_f1": 0.6},
        "negation_suite": {"accuracy": suite},
    }
    lodo = {
        "tweets": {"left_out": 0.5 + margins[0], "vader": 0.5},
        "editorial_sentences": {"left_out": 0.5 + margins[1], "vader": 0.5},
    }
    return Result(name, domains, ServingCost(1, 0.1, {"tweets": {1: b1, 64: b1 / 10}}), lodo)


TODAY = result("words-chars-tweets-x2", (-0.1, -0.2), tweets=0.735, suite=0.4, ece=0.1)


def test_the_worst_left_out_domain_ranks_not_the_average() -> None:
    steady = result("steady", (0.02, 0.03))
    uneven = result("uneven", (0.30, 0.01))  # a far better average, a worse worst domain
    assert choose([TODAY, steady, uneven], VADER) == "steady"


def test_a_near_tie_goes_to_the_cheaper_candidate_at_batch_1() -> None:
    candidates = [TODAY, result("a", (0.02, 0.03), b1=900), result("b", (0.024, 0.03), b1=1100)]
    assert choose(candidates, VADER) == "a"


def test_over_one_and_a_half_times_today_or_refused_by_the_gate_against_today_is_out() -> None:
    dear = result("dear", (0.2, 0.2), b1=1501)
    worse_tweets = result("tweets", (0.2, 0.2), tweets=0.724)  # 0.011 below today's 0.735
    worse_calibration = result("ece", (0.2, 0.2), ece=0.111)  # 0.011 above today's 0.1
    out = [TODAY, dear, worse_tweets, worse_calibration]
    assert choose([*out, result("ok", (0.01, 0.01), b1=1500, tweets=0.726)], VADER) == "ok"
    assert choose(out, VADER) == TODAY.name


def test_the_default_is_within_the_limits_it_sets() -> None:
    assert gate_losses(TODAY, TODAY) == []
    assert choose([TODAY], VADER) == TODAY.name
    assert choose([result("alone", (0.2, 0.2))], VADER) is None  # no reference in the run


def test_missed_targets_name_each_figure_and_its_target() -> None:
    assert missed_targets(result("on", (0.01, 0.01))) == []
    assert missed_targets(TODAY) == [
        "tweets macro-F1 0.7350 (target >= 0.74)",
        "negation suite 0.4000 (target >= 0.85)",
        "max in-domain ECE 0.1000 (target <= 0.05)",
        "worst left-out margin over VADER -0.2000 (target > 0.0)",
    ]


def test_candidates_on_every_target_rank_first_and_the_rest_compete_only_without_them() -> None:
    on = result("on", (0.01, 0.01))
    loose_suite = result("suite", (0.2, 0.2), suite=0.84)
    loose_ece = result("ece", (0.2, 0.2), ece=0.051)
    below_vader = result("unseen", (0.3, -0.01))
    assert choose([TODAY, on, loose_suite, loose_ece, below_vader], VADER) == "on"
    assert choose([TODAY, loose_suite, below_vader], VADER) == "suite"


def test_a_candidate_never_scored_left_out_ranks_last() -> None:
    unscored = Result("unscored", TODAY.domains, TODAY.cost, {})
    assert choose([TODAY, unscored], VADER) == TODAY.name
