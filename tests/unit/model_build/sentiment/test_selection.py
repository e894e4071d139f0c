"""The written rule that picks the default pipeline, applied to made-up candidate results."""

from dataclasses import dataclass
from typing import Any

from model_build.sentiment.cost import ServingCost
from model_build.sentiment.selection import choose

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


def result(name: str, tweets: float, long: float, b64: float, other: float = 0.6) -> Result:
    domains = {
        "tweets": {"macro_f1": tweets},
        "long_reviews": {"accuracy": long},
        "product_sentences": {"macro_f1": other},
        "review_sentences": {"macro_f1": other},
    }
    cost = ServingCost(1, 0.1, {"tweets": {1: 1000.0, 64: b64}})
    return Result(name, domains, cost)


TODAY = result("today", 0.74, 0.63, b64=250)


def test_the_best_mean_within_the_limits_wins() -> None:
    candidates = [TODAY, result("a", 0.745, 0.90, b64=100), result("b", 0.75, 0.92, b64=200)]
    assert choose(candidates, VADER) == "b"


def test_a_near_tie_goes_to_the_cheaper_candidate() -> None:
    candidates = [TODAY, result("a", 0.745, 0.90, b64=100), result("b", 0.745, 0.905, b64=200)]
    assert choose(candidates, VADER) == "a"


def test_dearer_than_today_below_vader_or_below_the_tweets_floor_is_out() -> None:
    dear = result("dear", 0.80, 0.95, b64=300)
    below_vader = result("below", 0.75, 0.90, b64=100, other=0.5)
    below_floor = result("floor", 0.729, 0.99, b64=100)
    candidates = [TODAY, dear, below_vader, below_floor, result("ok", 0.735, 0.86, b64=100)]
    assert choose(candidates, VADER) == "ok"


def test_the_tweets_target_ranks_first_and_is_waived_only_when_none_meets_it() -> None:
    on_target = result("on", 0.741, 0.86, b64=100)
    better_mean = result("off", 0.73, 0.95, b64=100)
    assert choose([TODAY, on_target, better_mean], VADER) == "on"
    assert choose([TODAY, better_mean], VADER) == "off"
