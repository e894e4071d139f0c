"""Whether a candidate's answer agrees with production's on the same input, by model kind.

Each comparison scores 1.0 for full agreement down to 0.0; a rollout's agreement is the mean.
Classification also reports the confidence gap, the first sign of a candidate that is right for
the wrong reasons.
"""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.rollouts.plan import Policy


@dataclass(frozen=True)
class Comparison:
    score: float  # 1.0 agree, 0.0 disagree; the top-k overlap for rankings
    confidence_gap: float | None = None  # |production - candidate| confidence, classification


def compare(kind: str, production: BaseModel, candidate: BaseModel, policy: Policy) -> Comparison:
    compare_kind = _BY_KIND.get(kind)
    if compare_kind is None:
        raise ValueError(f"no agreement rule for model kind {kind!r}")
    return compare_kind(production, candidate, policy)


def _classification(production: Any, candidate: Any, policy: Policy) -> Comparison:
    return Comparison(
        score=float(production.label == candidate.label),
        confidence_gap=abs(production.confidence - candidate.confidence),
    )


def _regression(production: Any, candidate: Any, policy: Policy) -> Comparison:
    expected, got = production.value, candidate.value
    # Relative to production's value, with an absolute floor so values near zero can agree.
    scale = max(abs(expected), 1e-9)
    return Comparison(score=float(abs(got - expected) / scale <= policy.regression_tolerance))


def _ranking(production: Any, candidate: Any, policy: Policy) -> Comparison:
    k = policy.ranking_top_k
    expected = [ranked.item for ranked in production.items[:k]]
    got = {ranked.item for ranked in candidate.items[:k]}
    if not expected:
        return Comparison(score=float(not got))
    return Comparison(score=sum(item in got for item in expected) / len(expected))


def _anomaly(production: Any, candidate: Any, policy: Policy) -> Comparison:
    return Comparison(score=float(production.anomaly == candidate.anomaly))


_BY_KIND = {
    "classification": _classification,
    "regression": _regression,
    "ranking": _ranking,
    "anomaly": _anomaly,
}
