"""What a model takes (its input schema) and a sample of what it must answer: the part of the
manifest model kinds read, below both so the manifest can take its kind names from the kinds."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class TextInputSchema(BaseModel):
    """The model takes one free text per item."""

    kind: Literal["text"] = "text"
    field: str = "text"
    max_length: int = 20_000


class FeatureSpec(BaseModel):
    """One named tabular feature: its type, allowed range or categories, and whether it may be
    missing (null goes to the model as a missing value, for estimators that handle one)."""

    name: str
    type: Literal["float", "int", "bool", "category"] = "float"
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False
    # category: the values seen in training; another gets a 422 unless the model handles it
    # itself (a OneHotEncoder that ignores unknowns, a booster's native categories).
    categories: list[str] | None = None
    unknown_category: Literal["refuse", "model"] = "refuse"
    # The range seen in the packaging sample: documented for clients, not enforced.
    seen_minimum: float | None = None
    seen_maximum: float | None = None
    description: str = ""


class TabularInputSchema(BaseModel):
    """The model takes a fixed set of named features per item."""

    kind: Literal["tabular"] = "tabular"
    features: list[FeatureSpec]
    # How the estimator takes a batch: a float matrix in feature order, or a DataFrame with the
    # features as named columns (an estimator fitted on one: feature names, string categories).
    layout: Literal["matrix", "frame"] = "matrix"


InputSchema = Annotated[TextInputSchema | TabularInputSchema, Field(discriminator="kind")]


class SampleCheck(BaseModel):
    """An input and what the model must answer for it; run before a model is served.

    Classifiers name the label (`expected_label`); other kinds give their answer's fields
    (`expected`: a regressor's value, a ranker's item ids, an anomaly scorer's score and flag).
    """

    input: dict[str, Any]
    expected_label: str | None = None
    expected: dict[str, Any] | None = None
