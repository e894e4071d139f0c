"""Check one input item against a model's declared input schema, naming the offending field."""

import math
import sys
from typing import Any

from shared.errors import InvalidInput
from shared.model_inputs import FeatureSpec, InputSchema, TabularInputSchema, TextInputSchema

# Integers beyond this overflow float(); JSON allows them (4,300 digits in Python).
_LARGEST_FLOAT = int(sys.float_info.max)


def validate_item(schema: InputSchema, item: Any, max_text_length: int) -> Any:
    """The model-ready input (a text, or a feature dict); InvalidInput listing every problem.

    An item is an object, or a row: a list of the values in the schema's order."""
    if isinstance(item, list):
        item = _row_to_object(schema, item)
    if not isinstance(item, dict):
        raise InvalidInput(
            [_error([], f"expected a JSON object, got {type(item).__name__}", "dict_type")]
        )
    if isinstance(schema, TabularInputSchema):
        return _validate_tabular(schema, item)
    return _validate_text(schema, item, max_text_length)


def _validate_text(schema: TextInputSchema, item: dict[str, Any], max_text_length: int) -> str:
    errors = [
        _error([key], "unknown field", "extra_forbidden") for key in item if key != schema.field
    ]
    text = item.get(schema.field)
    limit = min(schema.max_length, max_text_length)
    if schema.field not in item:
        errors.append(_error([schema.field], "field required", "missing"))
    elif not isinstance(text, str):
        errors.append(
            _error([schema.field], f"expected a string, got {type(text).__name__}", "string_type")
        )
    elif problem := text_problem(text, limit):
        errors.append(_error([schema.field], problem))
    if errors:
        raise InvalidInput(errors)
    return str(text)


def text_problem(text: str, limit: int) -> str | None:
    """Why a text cannot be classified, or None."""
    if not text.strip():
        return "text must not be empty or whitespace only"
    if len(text) > limit:
        return f"text is {len(text)} characters long; the limit is {limit}"
    if not text.isascii() and (position := _lone_surrogate(text)) is not None:
        # Valid JSON (\ud800) but not Unicode text: the model's UTF-8 encoding step would raise.
        return f"text holds a lone surrogate at character {position}; it must be valid Unicode"
    return None


def _lone_surrogate(text: str) -> int | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _row_to_object(schema: InputSchema, row: list[Any]) -> dict[str, Any]:
    names = (
        [feature.name for feature in schema.features]
        if isinstance(schema, TabularInputSchema)
        else [schema.field]
    )
    if len(row) != len(names):
        raise InvalidInput(
            [_error([], f"a row holds {len(names)} values ({', '.join(names)}), got {len(row)}")]
        )
    return dict(zip(names, row, strict=True))


def _validate_tabular(schema: TabularInputSchema, item: dict[str, Any]) -> dict[str, Any]:
    known = {feature.name for feature in schema.features}
    errors = [_error([key], "unknown field", "extra_forbidden") for key in item if key not in known]
    values: dict[str, Any] = {}
    for feature in schema.features:
        if feature.name not in item:
            errors.append(_error([feature.name], "field required", "missing"))
        elif problem := _feature_problem(feature, item[feature.name]):
            errors.append(_error([feature.name], problem))
        else:
            values[feature.name] = _model_value(feature, item[feature.name])
    if errors:
        raise InvalidInput(errors)
    return values


def _model_value(feature: FeatureSpec, value: Any) -> Any:
    """What the estimator is given: floats for numbers, the value itself otherwise."""
    if value is None or feature.type in ("bool", "category"):
        return value
    return float(value)


def _feature_problem(feature: FeatureSpec, value: Any) -> str | None:
    if value is None:
        return None if feature.nullable else "must not be null"
    if feature.type == "bool":
        return None if isinstance(value, bool) else f"expected a boolean, got {_json_type(value)}"
    if feature.type == "category":
        return _category_problem(feature, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number, got {_json_type(value)}"
    if isinstance(value, int) and abs(value) > _LARGEST_FLOAT:
        return "number is too large to be represented as a float"
    if not math.isfinite(value):
        return "must be a finite number"
    if feature.type == "int" and not float(value).is_integer():
        return "expected an integer"
    if feature.minimum is not None and value < feature.minimum:
        return f"{value} is below the minimum {feature.minimum}"
    if feature.maximum is not None and value > feature.maximum:
        return f"{value} is above the maximum {feature.maximum}"
    return None


def _category_problem(feature: FeatureSpec, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected one of the categories (a string), got {_json_type(value)}"
    allowed = feature.categories or []
    if feature.unknown_category == "refuse" and value not in allowed:
        shown = ", ".join(repr(category) for category in allowed[:_SHOWN_CATEGORIES])
        more = (
            f" and {len(allowed) - _SHOWN_CATEGORIES} more"
            if len(allowed) > _SHOWN_CATEGORIES
            else ""
        )
        return f"{_clip(value)!r} is not a known category; allowed: {shown}{more}"
    return None


_SHOWN_CATEGORIES = 10  # with the value, well inside a 422's 200-character message


def _clip(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


def _json_type(value: Any) -> str:
    """A value's type as a JSON client knows it."""
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
             dict: "object", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _error(loc: list[str | int], msg: str, kind: str = "value_error") -> dict[str, Any]:
    """One problem in the shape of every 422 the API gives (FastAPI's own included)."""
    return {"loc": ["body", *loc], "msg": msg, "type": kind}
