from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.rollouts.plan import Policy, Rollout, parse_share, start


@pytest.mark.parametrize(
    ("text", "share"),
    [("10%", 0.1), ("0.1", 0.1), ("0", 0.0), ("100%", 1.0), ("1", 1.0), (" 2.5 % ", 0.025)],
)
def test_a_share_is_a_percentage_or_a_fraction(text: str, share: float) -> None:
    assert parse_share(text) == pytest.approx(share)


@pytest.mark.parametrize("text", ["10", "150%", "-5%", "ten", "", "0.1.2"])
def test_a_share_outside_0_to_100_percent_or_ambiguous_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="share"):
        parse_share(text)


def test_a_rollout_is_named_by_its_start_and_candidate_and_has_a_deadline() -> None:
    rollout = start("fraud", "v2", "v1", "shadow", 0.1, Policy(deadline_hours=2))
    assert rollout.running and rollout.id.endswith("-v2")
    assert rollout.deadline - rollout.started_at == timedelta(hours=2)


def test_production_cannot_be_its_own_candidate() -> None:
    with pytest.raises(ValueError, match="already production"):
        start("fraud", "v1", "v1", "canary", 0.05, Policy())


def test_a_policy_with_an_unknown_knob_or_an_impossible_bar_is_refused() -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({"min_agreemnt": 0.9})
    with pytest.raises(ValidationError):
        Policy(min_agreement=1.5)


def test_times_without_a_zone_are_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        Rollout(
            model="m",
            candidate="b",
            production="a",
            mode="shadow",
            share=0.1,
            started_at=datetime(2026, 12, 6),
        )
    assert Rollout(
        model="m",
        candidate="b",
        production="a",
        mode="shadow",
        share=0.1,
        started_at=datetime(2026, 12, 6, tzinfo=UTC),
    ).running
