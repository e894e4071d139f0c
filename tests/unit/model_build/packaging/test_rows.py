"""A sample's rows as clients send them: Python values in schema order, categories as text,
missing values as null, a text model's one field."""

import numpy as np
import pandas as pd

from model_build.packaging.rows import request_rows
from shared.manifest import FeatureSpec, TabularInputSchema, TextInputSchema


def test_tabular_rows_follow_the_schema_with_plain_json_values() -> None:
    frame = pd.DataFrame(
        {
            "unused": [1, 2],
            "store": [42, 107],
            "amount": [np.float64(12.5), np.nan],
            "items": np.array([3, 4], dtype=np.int64),
            "member": [True, False],
        }
    )
    schema = TabularInputSchema(
        features=[
            FeatureSpec(name="amount"),
            FeatureSpec(name="store", type="category", categories=["42", "107"]),
            FeatureSpec(name="items", type="int"),
            FeatureSpec(name="member", type="bool"),
        ]
    )
    rows = request_rows(frame, schema)
    assert rows == [
        {"amount": 12.5, "store": "42", "items": 3, "member": True},
        {"amount": None, "store": "107", "items": 4, "member": False},
    ]
    assert [list(row) for row in rows] == [["amount", "store", "items", "member"]] * 2
    assert all(type(row["items"]) is int for row in rows)


def test_a_text_model_gets_its_one_field_as_text() -> None:
    frame = pd.DataFrame({"review": ["good", 5], "label": ["pos", "neg"]})
    assert request_rows(frame, TextInputSchema(field="review")) == [
        {"review": "good"},
        {"review": "5"},
    ]
