"""Escalation rules: when a model's answer becomes a named event.

A model's rules live in the store beside its aliases (`<name>/rules/escalation.json`) and are
re-read like them. Each rule names the model kind it is written for and a condition on one
item's answer; every item that meets it raises one event named after the rule:

    {"rules": [
      {"name": "angry-customer",
       "when": {"kind": "classification", "label": "negative", "min_confidence": 0.9}},
      {"name": "likely-fraud", "when": {"kind": "anomaly", "min_score": 0.8}}
    ]}

An event never carries the text unless its rule says `"include_text": true`.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.kinds.anomaly import AnomalyPrediction
from shared.kinds.classification import ModelPrediction
from shared.kinds.ranking import RankingPrediction
from shared.kinds.regression import RegressionPrediction
from shared.store.base import RULES_DIR

RULES_FILE = "escalation.json"
RULES_MAX_BYTES = 64 << 10
MAX_RULES = 50
# A rule's name is an event's name and a metric dimension: short, plain, few.
RuleName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Probability = Annotated[float, Field(ge=0, le=1)]


def rules_key(model: str) -> str:
    return f"{model}/{RULES_DIR}/{RULES_FILE}"


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def matches(self, output: BaseModel) -> bool:
        raise NotImplementedError


class ClassificationCondition(_Condition):
    """The predicted label is one of `label`, with at least `min_confidence`."""

    kind: Literal["classification"]
    label: str | list[str] | None = None
    min_confidence: Probability | None = None

    @model_validator(mode="after")
    def _says_something(self) -> "ClassificationCondition":
        if self.label is None and self.min_confidence is None:
            raise ValueError("name a label, a min_confidence, or both")
        return self

    def matches(self, output: BaseModel) -> bool:
        if not isinstance(output, ModelPrediction):
            return False
        labels = [self.label] if isinstance(self.label, str) else self.label
        return (labels is None or output.label in labels) and (
            self.min_confidence is None or output.confidence >= self.min_confidence
        )


class RegressionCondition(_Condition):
    """The predicted value is at least `min_value` and at most `max_value`."""

    kind: Literal["regression"]
    min_value: float | None = None
    max_value: float | None = None

    @model_validator(mode="after")
    def _says_something(self) -> "RegressionCondition":
        if self.min_value is None and self.max_value is None:
            raise ValueError("name a min_value, a max_value, or both")
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise ValueError("min_value is above max_value: nothing could match")
        return self

    def matches(self, output: BaseModel) -> bool:
        if not isinstance(output, RegressionPrediction):
            return False
        return (self.min_value is None or output.value >= self.min_value) and (
            self.max_value is None or output.value <= self.max_value
        )


class AnomalyCondition(_Condition):
    """The item is flagged (`anomaly: true`) and/or scores at least `min_score`."""

    kind: Literal["anomaly"]
    anomaly: bool | None = None
    min_score: float | None = None

    @model_validator(mode="after")
    def _says_something(self) -> "AnomalyCondition":
        if self.anomaly is None and self.min_score is None:
            raise ValueError("name anomaly, a min_score, or both")
        return self

    def matches(self, output: BaseModel) -> bool:
        if not isinstance(output, AnomalyPrediction):
            return False
        return (self.anomaly is None or output.anomaly == self.anomaly) and (
            self.min_score is None or output.score >= self.min_score
        )


class RankingCondition(_Condition):
    """`item` is among the ranked items, scoring at least `min_score`."""

    kind: Literal["ranking"]
    item: str
    min_score: float | None = None

    def matches(self, output: BaseModel) -> bool:
        if not isinstance(output, RankingPrediction):
            return False
        return any(
            ranked.item == self.item and (self.min_score is None or ranked.score >= self.min_score)
            for ranked in output.items
        )


Condition = Annotated[
    ClassificationCondition | RegressionCondition | AnomalyCondition | RankingCondition,
    Field(discriminator="kind"),
]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: RuleName
    when: Condition
    include_text: bool = Field(
        default=False, description="carry the item's text in the event (text models only)"
    )
    description: str = Field(default="", max_length=500)

    def matches(self, kind: str, output: BaseModel) -> bool:
        return self.when.kind == kind and self.when.matches(output)


class RuleSet(BaseModel):
    """One model's rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Rule] = Field(max_length=MAX_RULES)

    @model_validator(mode="after")
    def _names_are_unique(self) -> "RuleSet":
        names = [rule.name for rule in self.rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")
        return self


def matching(rules: tuple[Rule, ...], kind: str, output: BaseModel) -> list[Rule]:
    return [rule for rule in rules if rule.matches(kind, output)]
