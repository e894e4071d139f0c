"""Inputs are checked against the model's declared schema, naming the offending field."""

from typing import Any

import pytest

from shared.errors import InvalidInput
from shared.manifest import FeatureSpec, TabularInputSchema, TextInputSchema
from shared.serving.validation import validate_item

TABULAR = TabularInputSchema(
    features=[
        FeatureSpec(name="amount", type="float", minimum=0, maximum=10_000),
        FeatureSpec(name="items", type="int", minimum=1, maximum=100),
    ]
)


def test_a_valid_text_item_yields_the_text() -> None:
    assert validate_item(TextInputSchema(), {"text": "fine"}, 5000) == "fine"


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({}, "text", "field required"),
        ({"text": 3}, "text", "expected a string"),
        ({"text": "   "}, "text", "empty"),
        ({"text": "x" * 11}, "text", "limit is 10"),
        ({"text": "ok", "extra": 1}, "extra", "unknown field"),
    ],
)
def test_bad_text_items_name_the_field(item: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_item(TextInputSchema(), item, 10)
    [error] = caught.value.args[0]
    assert error["loc"] == ["body", field]
    assert message in error["msg"]


def test_a_valid_tabular_item_yields_floats() -> None:
    assert validate_item(TABULAR, {"amount": 12.5, "items": 3}, 5000) == {
        "amount": 12.5,
        "items": 3.0,
    }


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"items": 3}, "amount", "field required"),
        ({"amount": "12", "items": 3}, "amount", "expected a number"),
        ({"amount": True, "items": 3}, "amount", "expected a number"),
        ({"amount": -1, "items": 3}, "amount", "below the minimum"),
        ({"amount": 1e9, "items": 3}, "amount", "above the maximum"),
        ({"amount": 1, "items": 2.5}, "items", "expected an integer"),
        ({"amount": float("nan"), "items": 3}, "amount", "finite"),
    ],
)
def test_bad_tabular_items_name_the_feature(item: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_item(TABULAR, item, 5000)
    [error] = caught.value.args[0]
    assert error["loc"] == ["body", field]
    assert message in error["msg"]


def test_a_non_object_item_is_refused() -> None:
    with pytest.raises(InvalidInput, match="expected a JSON object"):
        validate_item(TABULAR, [1, 2], 5000)


def test_a_lone_surrogate_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_item(TextInputSchema(), {"text": "fine \ud800 text"}, 5000)
    [error] = caught.value.args[0]
    assert error["loc"] == ["body", "text"]
    assert "lone surrogate at character 5" in error["msg"]


def test_a_surrogate_pair_written_as_one_character_is_accepted() -> None:
    assert validate_item(TextInputSchema(), {"text": "ok \U0001f600"}, 5000) == "ok \U0001f600"


def test_an_integer_that_overflows_a_float_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_item(TABULAR, {"amount": 10**400, "items": 3}, 5000)
    [error] = caught.value.args[0]
    assert error["loc"] == ["body", "amount"]
    assert "too large" in error["msg"]
