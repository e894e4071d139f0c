"""One row per predicted item, the same way for the reference and for captured traffic: inputs
(features, or text descriptors) and the prediction, flattened into named, typed columns."""

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from shared.drift import descriptors
from shared.manifest import InputSchema, TabularInputSchema

ColumnType = Literal["numerical", "categorical"]
Row = dict[str, float | str | None]

# What each kind's answer is compared on: (column, type, field of the answer).
PREDICTIONS: dict[str, tuple[tuple[str, ColumnType, str], ...]] = {
    "classification": (
        ("prediction_label", "categorical", "label"),
        ("prediction_confidence", "numerical", "confidence"),
    ),
    "regression": (("prediction_value", "numerical", "value"),),
    "anomaly": (
        ("prediction_flag", "categorical", "anomaly"),
        ("prediction_score", "numerical", "score"),
    ),
    "ranking": (
        ("prediction_top_item", "categorical", "items"),
        ("prediction_top_score", "numerical", "items"),
    ),
}


class Column(BaseModel):
    name: str
    type: ColumnType
    role: Literal["input", "prediction"]


def columns_for(schema: InputSchema, kind: str) -> list[Column]:
    """The profile's columns for a model: its inputs, then its prediction."""
    if isinstance(schema, TabularInputSchema):
        inputs = [
            Column(name=f.name, type=_feature_type(f.type), role="input") for f in schema.features
        ]
    else:
        inputs = [Column(name=name, type="numerical", role="input") for name in descriptors.COLUMNS]
    outputs = [Column(name=n, type=t, role="prediction") for n, t, _ in PREDICTIONS.get(kind, ())]
    clash = {c.name for c in inputs} & {c.name for c in outputs}
    if clash:
        raise ValueError(f"features named like prediction columns: {sorted(clash)}")
    return inputs + outputs


def row(columns: list[Column], text_field: str | None, kind: str, item: Any, output: Any) -> Row:
    """One item's row: its inputs (None where captured text was hashed or dropped) and its
    answer (a JSON object as captured, or the kind's pydantic answer)."""
    answer = output.model_dump(mode="json") if isinstance(output, BaseModel) else output
    values: Row = {}
    if text_field is not None:
        text = descriptors.text_of(item, text_field)
        described = descriptors.describe(text) if text is not None else {}
        values.update({name: described.get(name) for name in descriptors.COLUMNS})
    else:
        features = item if isinstance(item, Mapping) else {}
        for column in columns:
            if column.role == "input":
                values[column.name] = _value(features.get(column.name), column.type)
    values.update(_prediction(kind, answer if isinstance(answer, Mapping) else {}))
    return values


def _prediction(kind: str, answer: Mapping[str, Any]) -> Row:
    found: Row = {}
    for name, kind_type, field in PREDICTIONS.get(kind, ()):
        value = answer.get(field)
        if field == "items":  # a ranking: its best item and that item's score
            best = value[0] if isinstance(value, list) and value else None
            best = best if isinstance(best, Mapping) else {}
            value = best.get("item", "(empty)") if kind_type == "categorical" else best.get("score")
        found[name] = _value(value, kind_type)
    return found


def _value(value: Any, kind: ColumnType) -> float | str | None:
    if value is None:
        return None
    if kind == "categorical":
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, bool | int | float):
        return float(value)
    return None


def _feature_type(feature_type: str) -> ColumnType:
    return "categorical" if feature_type in ("bool", "category") else "numerical"
