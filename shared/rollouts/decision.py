"""The one decision: promote, abort or wait, from a rollout's policy and its figures.

The scheduled function on AWS (figures from CloudWatch), `inferno rollout status` on a laptop
(figures from the running service's own counts) and the alarm path all call `decide`, so a
rollout is judged the same way wherever it runs.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from shared.rollouts.plan import Rollout
from shared.rollouts.tally import Figures

Verdict = Literal["promote", "abort", "wait"]
# Enough candidate calls that an error rate over the policy is not one unlucky request.
MIN_CALLS_FOR_ERROR_RATE = 20


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    figures: dict[str, float | int | None] = field(default_factory=dict)


def decide(rollout: Rollout, figures: Figures, now: datetime, alarm: str | None = None) -> Decision:
    """`alarm`: the abort alarm that asked for this judgement (AWS), which aborts a candidate
    over its error or latency bound on the figures so far, without waiting for the count."""
    policy, summary = rollout.policy, figures.summary()
    candidate = figures.candidate
    if alarm is not None and (alarmed := _alarmed(rollout, figures, alarm)) is not None:
        return alarmed
    if candidate.calls >= MIN_CALLS_FOR_ERROR_RATE and candidate.error_rate > policy.max_error_rate:
        return Decision(
            "abort",
            f"candidate failed {candidate.errors} of {candidate.calls} calls "
            f"({candidate.error_rate:.1%} > {policy.max_error_rate:.1%})",
            summary,
        )
    if 0 < figures.compared < policy.min_compared and _cannot_reach_agreement(figures, rollout):
        return Decision(
            "abort",
            f"agreement {figures.agreement:.1%} over {figures.compared} compared can no longer "
            f"reach {policy.min_agreement:.1%} by {policy.min_compared}",
            summary,
        )
    if figures.compared < policy.min_compared:
        if now >= rollout.deadline:
            return Decision(
                "abort",
                f"deadline passed with {figures.compared} of {policy.min_compared} compared",
                summary,
            )
        return Decision("wait", f"{figures.compared} of {policy.min_compared} compared", summary)
    agreement = figures.agreement or 0.0
    if agreement < policy.min_agreement:
        return Decision(
            "abort",
            f"agreement {agreement:.1%} < {policy.min_agreement:.1%} over {figures.compared}",
            summary,
        )
    ratio = figures.latency_ratio
    if ratio is not None and ratio > policy.max_latency_ratio:
        return Decision(
            "abort",
            f"candidate {ratio:.2f}x production's model time > {policy.max_latency_ratio:.2f}x",
            summary,
        )
    return Decision(
        "promote",
        f"agreement {agreement:.1%} over {figures.compared} compared, "
        f"model time {ratio or 1.0:.2f}x production, errors {candidate.error_rate:.1%}",
        summary,
    )


def _cannot_reach_agreement(figures: Figures, rollout: Rollout) -> bool:
    """Even if every comparison still to come agreed, the policy's bar would be missed."""
    policy = rollout.policy
    still_to_come = max(0, policy.min_compared - figures.compared)
    best = (figures.agreement_sum + still_to_come) / max(policy.min_compared, figures.compared)
    return best < policy.min_agreement


def _alarmed(rollout: Rollout, figures: Figures, alarm: str) -> Decision | None:
    policy, summary = rollout.policy, figures.summary()
    if figures.candidate.errors and figures.candidate.error_rate > policy.max_error_rate:
        return Decision(
            "abort",
            f"{alarm}: candidate failed {figures.candidate.errors} of {figures.candidate.calls}",
            summary,
        )
    ratio = figures.latency_ratio
    if ratio is not None and ratio > policy.max_latency_ratio:
        return Decision(
            "abort", f"{alarm}: candidate {ratio:.2f}x production's model time", summary
        )
    return None
