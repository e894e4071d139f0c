"""Ground truth for a past answer: what POST /feedback takes, and how a label is scored.

A classifier's answer gets a `label` (one of the model's labels) and scores 1 when it was the
predicted one, else 0; a regressor's gets a `value` and scores the absolute error. The mean of
those scores over a window is the live accuracy or MAE (LiveQuality, README.md here).
"""

import sys
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from shared.capture.receipts import Receipt
from shared.errors import InvalidInput

# The ids the service answers with in X-Request-Id (handlers/http/request_context.py).
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:;=/+-]{1,200}$"
LABEL_DOC = "The true label of a classifier's answer: one of the model's labels"
VALUE_DOC = "The true value of a regressor's answer: a finite number"


def _one_of_label_or_value(schema: dict[str, Any]) -> None:
    schema["oneOf"] = [{"required": ["label"]}, {"required": ["value"]}]
    for name in ("label", "value"):
        schema["properties"][name].pop("default", None)  # absent, never null


class FeedbackRequest(BaseModel):
    """`request_id` and exactly one of `label` and `value` (the schema says so with `oneOf`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_of_label_or_value)

    request_id: str = Field(
        pattern=REQUEST_ID_PATTERN,
        description="The X-Request-Id the prediction was answered with",
    )
    # Documented as what a client sends: a string, a number (never null).
    label: Annotated[
        str | None,
        WithJsonSchema(
            {"type": "string", "minLength": 1, "maxLength": 200, "description": LABEL_DOC}
        ),
    ] = Field(default=None, strict=True, min_length=1, max_length=200)
    value: Annotated[float | None, WithJsonSchema({"type": "number", "description": VALUE_DOC})] = (
        Field(default=None, strict=True, allow_inf_nan=False)
    )

    @model_validator(mode="before")
    @classmethod
    def no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in ("label", "value"):
                if name in data and data[name] is None:
                    raise ValueError(f"`{name}` may be left out, not null")
        return data

    @model_validator(mode="after")
    def exactly_one(self) -> Self:
        if (self.label is None) == (self.value is None):
            raise ValueError("send exactly one of `label` and `value`")
        return self


class FeedbackResponse(BaseModel):
    request_id: str
    model: str
    version: str


def score(receipt: Receipt, feedback: FeedbackRequest, labels: list[str]) -> float:
    """How right the answer was: 1.0 or 0.0 for a label, the absolute error for a value;
    InvalidInput when the feedback does not fit the answer."""
    name = receipt.model
    if receipt.kind == "classification":
        if feedback.label is None:
            raise _invalid("value", f"model {name!r} is a classifier: send a `label`")
        if feedback.label not in labels:
            raise _invalid("label", f"label must be one of {labels} (model {name!r})")
    elif receipt.kind == "regression":
        if feedback.value is None:
            raise _invalid("label", f"model {name!r} is a regressor: send a `value`")
    else:
        raise _invalid(
            "request_id",
            f"model {name!r} is a {receipt.kind} model: feedback takes a classifier's label "
            "or a regressor's value",
        )
    if receipt.items != 1 or receipt.answer is None:
        raise _invalid(
            "request_id",
            f"request {receipt.request_id!r} predicted {receipt.items} items: feedback names "
            "a request of one item",
        )
    if feedback.label is not None:
        return float(feedback.label == receipt.answer)
    assert feedback.value is not None and not isinstance(receipt.answer, str)
    return min(abs(feedback.value - float(receipt.answer)), sys.float_info.max)


def _invalid(field: str, message: str) -> InvalidInput:
    problem: dict[str, Any] = {"loc": ["body", field], "msg": message, "type": "value_error"}
    return InvalidInput([problem])
