"""Escalation rules: what each kind's condition matches, and what a rules file may not say."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.events.rules import Rule, RuleSet, matching, rules_key
from shared.kinds.anomaly import AnomalyPrediction
from shared.kinds.classification import ModelPrediction
from shared.kinds.ranking import RankedItem, RankingPrediction
from shared.kinds.regression import RegressionPrediction


def rule(when: dict[str, Any], name: str = "r") -> Rule:
    return Rule.model_validate({"name": name, "when": when})


def label(name: str, confidence: float) -> ModelPrediction:
    return ModelPrediction(label=name, confidence=confidence, probabilities={name: confidence})


ANGRY = {"kind": "classification", "label": "negative", "min_confidence": 0.9}


@pytest.mark.parametrize(
    ("when", "output", "expected"),
    [
        (ANGRY, label("negative", 0.95), True),
        (ANGRY, label("negative", 0.9), True),  # the bound is inclusive
        (ANGRY, label("negative", 0.89), False),
        (ANGRY, label("positive", 0.99), False),
        ({"kind": "classification", "label": ["negative", "neutral"]}, label("neutral", 0.4), True),
        ({"kind": "classification", "min_confidence": 0.5}, label("positive", 0.6), True),
        ({"kind": "regression", "min_value": 0.8}, RegressionPrediction(value=0.8), True),
        ({"kind": "regression", "min_value": 0.8}, RegressionPrediction(value=0.79), False),
        ({"kind": "regression", "max_value": 10}, RegressionPrediction(value=-3.0), True),
        (
            {"kind": "regression", "min_value": 1, "max_value": 2},
            RegressionPrediction(value=3),
            False,
        ),
        (
            {"kind": "anomaly", "min_score": 0.8},
            AnomalyPrediction(score=0.81, anomaly=False, threshold=0.9),
            True,
        ),
        (
            {"kind": "anomaly", "anomaly": True},
            AnomalyPrediction(score=0.5, anomaly=False, threshold=0.6),
            False,
        ),
        (
            {"kind": "ranking", "item": "tent", "min_score": 0.3},
            RankingPrediction(
                items=[RankedItem(item="stove", score=0.6), RankedItem(item="tent", score=0.3)]
            ),
            True,
        ),
        (
            {"kind": "ranking", "item": "tent", "min_score": 0.3},
            RankingPrediction(items=[RankedItem(item="tent", score=0.2)]),
            False,
        ),
        ({"kind": "ranking", "item": "tent"}, RankingPrediction(items=[]), False),
    ],
)
def test_each_kind_matches_its_condition(
    when: dict[str, Any], output: BaseModel, expected: bool
) -> None:
    kind = when["kind"]
    assert rule(when).matches(kind, output) is expected


def test_a_rule_for_another_kind_never_matches() -> None:
    # GIVEN a classification rule WHEN a regressor's answer (or a regression kind) comes
    angry = rule(ANGRY)
    assert not angry.matches("regression", RegressionPrediction(value=1.0))
    assert not angry.matches("regression", label("negative", 0.99))
    # THEN only the classifier's own answer can match
    assert matching((angry, rule(ANGRY, "b")), "classification", label("negative", 0.99)) == [
        angry,
        rule(ANGRY, "b"),
    ]


@pytest.mark.parametrize(
    ("document", "says"),
    [
        (
            {"rules": [{"name": "x", "when": {"kind": "nope"}}]},
            "does not match any of the expected tags",
        ),
        ({"rules": [{"name": "x", "when": {"kind": "classification"}}]}, "name a label"),
        ({"rules": [{"name": "x", "when": {"kind": "regression"}}]}, "name a min_value"),
        (
            {
                "rules": [
                    {"name": "x", "when": {"kind": "regression", "min_value": 2, "max_value": 1}}
                ]
            },
            "nothing could match",
        ),
        ({"rules": [{"name": "x", "when": ANGRY, "to": "support"}]}, "Extra inputs"),
        ({"rules": [{"name": "bad name!", "when": ANGRY}]}, "should match pattern"),
        ({"rules": [{"name": "x", "when": ANGRY}, {"name": "x", "when": ANGRY}]}, "repeated: x"),
        (
            {"rules": [{"name": "x", "when": {**ANGRY, "min_confidence": 1.5}}]},
            "less than or equal",
        ),
        ({"rule": []}, "Field required"),
    ],
)
def test_a_bad_rules_file_is_refused_saying_why(document: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        RuleSet.model_validate(document)


def test_rules_live_beside_the_aliases() -> None:
    assert rules_key("sentiment") == "sentiment/rules/escalation.json"
    assert RuleSet.model_validate({"rules": []}).rules == []
