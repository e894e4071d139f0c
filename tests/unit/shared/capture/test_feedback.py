"""Scoring feedback against the answer it names: right or wrong for a label, the error for a
value; what does not fit the answer is refused (422) with the reason."""

import time

import pytest
from pydantic import ValidationError

from shared.capture.feedback import FeedbackRequest, score
from shared.capture.receipts import Receipt
from shared.capture.writer import Sampler
from shared.errors import InvalidInput

LABELS = ["negative", "neutral", "positive"]


def receipt(kind: str, answer: str | float | None, items: int = 1) -> Receipt:
    return Receipt("acme", "r1", "m", "v1", kind, items, answer, int(time.time()) + 60)


def feedback(**fields: object) -> FeedbackRequest:
    return FeedbackRequest.model_validate({"request_id": "r1", **fields})


def test_a_label_scores_one_when_it_was_the_answer_else_zero() -> None:
    assert score(receipt("classification", "positive"), feedback(label="positive"), LABELS) == 1.0
    assert score(receipt("classification", "positive"), feedback(label="negative"), LABELS) == 0.0


def test_a_value_scores_its_absolute_error_and_never_overflows() -> None:
    assert score(receipt("regression", 151.5), feedback(value=150), []) == 1.5
    assert score(receipt("regression", 2.0), feedback(value=4.5), []) == 2.5
    huge = score(receipt("regression", -1.7e308), feedback(value=1.7e308), [])
    assert huge == 1.7976931348623157e308


@pytest.mark.parametrize(
    ("found", "sent", "reason"),
    [
        (receipt("classification", "positive"), {"label": "ecstatic"}, "must be one of"),
        (receipt("classification", "positive"), {"value": 1.0}, "send a `label`"),
        (receipt("regression", 3.0), {"label": "positive"}, "send a `value`"),
        (receipt("ranking", None), {"label": "positive"}, "ranking model"),
        (receipt("anomaly", None), {"value": 1.0}, "anomaly model"),
        (receipt("classification", None, items=3), {"label": "positive"}, "3 items"),
    ],
)
def test_feedback_that_does_not_fit_the_answer_is_refused(
    found: Receipt, sent: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        score(found, feedback(**sent), LABELS)
    assert refused.value.status_code == 422
    assert reason in str(refused.value.body())


@pytest.mark.parametrize(
    "fields",
    [
        {"label": "positive", "value": 1.0},
        {},
        {"value": float("nan")},
        {"value": float("inf")},
        {"value": "3"},
        {"value": True},
        {"label": 3},
        {"label": ""},
        {"label": None, "value": 1.0},
        {"label": "x", "request_id": "two words"},
        {"label": "x", "request_id": "x" * 201},
    ],
)
def test_a_body_with_not_exactly_one_finite_answer_is_invalid(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        feedback(**fields)


def test_sampling_is_off_at_zero_and_near_its_rate_otherwise() -> None:
    never = Sampler(0.0, seed=1)
    assert not any(never() for _ in range(1000))
    tenth = Sampler(0.1, seed=7)
    taken = sum(tenth() for _ in range(20_000))
    assert abs(taken - 2000) < 4 * (20_000 * 0.1 * 0.9) ** 0.5  # within 4 standard deviations
    # AND a seed makes the choices repeatable (what the sampling tests and the bench rely on)
    first, second = Sampler(0.5, seed=3), Sampler(0.5, seed=3)
    assert [first() for _ in range(64)] == [second() for _ in range(64)]
