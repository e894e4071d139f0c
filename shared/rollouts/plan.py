"""What a rollout is: a model, a candidate version, a mode and share, and the policy that judges it.

A rollout lives in the store beside the model's aliases (`<name>/rollouts/current.json`) and is
followed by every task and Lambda the way an alias is; when it is decided, the decision with its
figures is appended to `<name>/rollouts/history/`.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Mode = Literal["shadow", "canary"]
State = Literal["running", "promoted", "aborted"]


class Policy(BaseModel):
    """When a candidate is good enough to replace production, and when it is not."""

    model_config = ConfigDict(extra="forbid")

    min_compared: int = Field(default=500, ge=1, description="compared requests before deciding")
    min_agreement: float = Field(
        default=0.95, ge=0, le=1, description="mean agreement with production required"
    )
    max_latency_ratio: float = Field(
        default=1.5, gt=0, description="candidate's mean model time over production's, at most"
    )
    max_error_rate: float = Field(
        default=0.01, ge=0, le=1, description="share of the candidate's calls that may fail"
    )
    deadline_hours: float = Field(
        default=24, gt=0, description="aborted when not enough was compared by then"
    )
    # How two answers of one kind are judged to agree (shared/rollouts/agreement.py).
    regression_tolerance: float = Field(
        default=0.05, ge=0, description="relative difference still counted as agreement"
    )
    ranking_top_k: int = Field(default=5, ge=1, description="the top items compared")


class Rollout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    candidate: str
    production: str = Field(description="the version production served when the rollout began")
    mode: Mode
    share: float = Field(ge=0, le=1, description="share of requests compared or answered")
    policy: Policy = Field(default_factory=Policy)
    started_at: datetime
    state: State = "running"
    decided_at: datetime | None = None
    reason: str | None = None

    @field_validator("started_at", "decided_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("times carry their time zone")
        return value

    @property
    def id(self) -> str:
        """Names the rollout in tallies and history: a candidate may be rolled out twice."""
        return f"{self.started_at.strftime('%Y%m%dT%H%M%SZ')}-{self.candidate}"

    @property
    def deadline(self) -> datetime:
        return self.started_at + timedelta(hours=self.policy.deadline_hours)

    @property
    def running(self) -> bool:
        return self.state == "running"


def start(
    model: str, candidate: str, production: str, mode: Mode, share: float, policy: Policy
) -> Rollout:
    if candidate == production:
        raise ValueError(f"version {candidate} is already production")
    return Rollout(
        model=model,
        candidate=candidate,
        production=production,
        mode=mode,
        share=share,
        policy=policy,
        started_at=datetime.now(UTC).replace(microsecond=0),
    )


_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


def parse_share(text: str) -> float:
    """'10%' and '0.1' are one tenth; a bare number above 1 is refused as ambiguous."""
    match = _SHARE.match(text)
    if not match:
        raise ValueError(
            f"share {text!r} is not a percentage such as 10% or a fraction such as 0.1"
        )
    number, percent = float(match.group(1)), match.group(2)
    share = number / 100 if percent else number
    if not 0 <= share <= 1:
        raise ValueError(f"share {text!r} is outside 0 to 100%")
    return share
