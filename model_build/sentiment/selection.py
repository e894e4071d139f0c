"""The rule that picks the default pipeline from the compared candidates, in code and in words."""

from collections.abc import Sequence
from typing import Any, Protocol

from model_build.sentiment.cost import ServingCost
from model_build.sentiment.leave_one_out import worst_margin
from model_build.sentiment.negation_suite import SUITE_NAME

# The pipeline serving when issue 22 was filed: the cost reference, measured in the same run.
REFERENCE = "words-chars-tweets-x2"
COST_FACTOR = 1.5  # per text at batch 1, against the reference
LONG_REVIEW_FLOOR = 0.85
LONG_REVIEW_ACCURACY = 0.89
TWEETS_MACRO_F1 = 0.74
TWEETS_FLOOR = 0.73  # the quality bar tests/integration/test_training.py has always held
SUITE_ACCURACY = 0.85
MAX_ECE = 0.05
# The domains and the figure that ranks them. The rated tweets and editorial sentences
# are reported too but are no in-domain target: VADER's authors made those sets to validate
# VADER, whose lexicon and rules are tuned to exactly that kind of text. Left out, every domain
# counts.
SCORED = {
    "tweets": "macro_f1",
    "long_reviews": "accuracy",
    "product_sentences": "macro_f1",
    "review_sentences": "macro_f1",
}
TIE = 0.005

RULE = (
    "Hard limits: a candidate must beat VADER on each of the issue's four domains in-domain, "
    f"reach long-review accuracy >= {LONG_REVIEW_FLOOR} and tweets macro-F1 >= {TWEETS_FLOOR} "
    "(the repository's standing quality bar), and cost no more than "
    f"{COST_FACTOR}x `{REFERENCE}` per tweet at batch 1 (same run). Among those, the ones on "
    f"every target come first (tweets macro-F1 >= {TWEETS_MACRO_F1}, long reviews >= "
    f"{LONG_REVIEW_ACCURACY}, negation suite >= {SUITE_ACCURACY}, ECE <= {MAX_ECE} on every "
    "in-domain test set, above VADER on every left-out domain); if none is, all of them "
    "compete. The highest worst left-out-domain margin over VADER wins (the domain it reads "
    f"worst, not the average); candidates within {TIE} of it are tied, and the tie goes to the "
    "lowest cost per tweet at batch 1."
)


class Result(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def domains(self) -> dict[str, dict[str, Any]]: ...
    @property
    def cost(self) -> ServingCost: ...
    @property
    def leave_one_out(self) -> dict[str, dict[str, Any]]: ...


def within_limits(result: "Result", vader: dict[str, dict[str, Any]], reference: "Result") -> bool:
    domains = result.domains
    return (
        all(domains[d][m] > vader[d][m] for d, m in SCORED.items())
        and domains["long_reviews"]["accuracy"] >= LONG_REVIEW_FLOOR
        and domains["tweets"]["macro_f1"] >= TWEETS_FLOOR
        and _tweet_cost(result, 1) <= COST_FACTOR * _tweet_cost(reference, 1)
    )


def on_target(result: "Result") -> bool:
    domains = result.domains
    return (
        domains["tweets"]["macro_f1"] >= TWEETS_MACRO_F1
        and domains["long_reviews"]["accuracy"] >= LONG_REVIEW_ACCURACY
        and domains[SUITE_NAME]["accuracy"] >= SUITE_ACCURACY
        and max_ece(domains) <= MAX_ECE
        and worst_margin(result.leave_one_out) > 0
    )


def max_ece(domains: dict[str, dict[str, Any]]) -> float:
    return max(float(figures["ece"]) for figures in domains.values() if "ece" in figures)


def mean_score(domains: dict[str, dict[str, Any]]) -> float:
    return sum(float(domains[d][m]) for d, m in SCORED.items()) / len(SCORED)


def _tweet_cost(result: "Result", batch: int) -> float:
    return result.cost.per_text_us["tweets"][batch]


def choose(results: Sequence["Result"], vader: dict[str, dict[str, Any]]) -> str | None:
    """The winner's name, or None when no candidate is within the hard limits."""
    reference = next(r for r in results if r.name == REFERENCE)
    eligible = [r for r in results if within_limits(r, vader, reference)]
    pool = [r for r in eligible if on_target(r)] or eligible
    if not pool:
        return None
    best = max(worst_margin(r.leave_one_out) for r in pool)
    tied = [r for r in pool if worst_margin(r.leave_one_out) >= best - TIE]
    return min(tied, key=lambda r: _tweet_cost(r, 1)).name
