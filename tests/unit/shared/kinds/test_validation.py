"""Inputs are checked against the model's declared schema, naming the offending field."""

from typing import Any

import pytest

from shared.errors import InvalidInput
from shared.kinds.validation import validate_item
from shared.manifest import FeatureSpec, TabularInputSchema, TextInputSchema

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
        validate_item(TABULAR, "1, 2", 5000)


def test_a_row_is_read_in_the_schema_order() -> None:
    names = [feature.name for feature in TABULAR.features]
    row = [1.0] * len(names)
    assert validate_item(TABULAR, row, 5000) == dict.fromkeys(names, 1.0)
    with pytest.raises(InvalidInput, match=f"a row holds {len(names)} values"):
        validate_item(TABULAR, [1, 2, 3, 4, 5, 6, 7], 5000)
    assert validate_item(TextInputSchema(), ["great"], 5000) == "great"


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


TYPED = TabularInputSchema(
    features=[
        FeatureSpec(name="amount", type="float", nullable=True),
        FeatureSpec(name="country", type="category", categories=["DE", "FR", "US"]),
        FeatureSpec(name="channel", type="category", categories=["web"], unknown_category="model"),
        FeatureSpec(name="returning", type="bool"),
    ],
    layout="frame",
)


def test_typed_features_pass_as_the_model_takes_them() -> None:
    item = {"amount": None, "country": "FR", "channel": "phone", "returning": True}
    assert validate_item(TYPED, item, 5000) == item


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "'XX' is not a known category; allowed: 'DE', 'FR', 'US'"),
        ("country", 3, "expected one of the categories (a string), got number"),
        ("country", None, "must not be null"),
        ("returning", 1, "expected a boolean, got number"),
        ("amount", "12", "expected a number, got string"),
        ("amount", True, "expected a number, got boolean"),
    ],
)
def test_a_typed_feature_names_what_it_allows(field: str, value: Any, message: str) -> None:
    item = {"amount": 1.0, "country": "DE", "channel": "web", "returning": False, field: value}
    with pytest.raises(InvalidInput) as caught:
        validate_item(TYPED, item, 5000)
    [error] = caught.value.args[0]
    assert error["loc"] == ["body", field]
    assert error["msg"] == message


def test_a_long_category_list_is_shown_in_part() -> None:
    many = FeatureSpec(name="code", type="category", categories=[f"c{i:03}" for i in range(50)])
    with pytest.raises(InvalidInput) as caught:
        validate_item(TabularInputSchema(features=[many]), {"code": "x" * 100}, 5000)
    [error] = caught.value.args[0]
    assert error["msg"].endswith("'c009' and 40 more")
    assert "x" * 41 not in error["msg"]
