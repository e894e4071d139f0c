"""What the one prediction path (prediction.py) takes and answers for a batch or a list of
instances, and how it describes a model."""

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from shared.events.reference import Metadata
from shared.kinds import AnyPrediction


class ModelInfo(BaseModel):
    name: str
    version: str
    task: str
    labels: list[str]
    input_schema: dict[str, Any]
    metrics: dict[str, Any]
    created_at: str
    description: str


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(
        min_length=1,
        # `instances` is what TF Serving, Vertex AI and MLflow clients send.
        validation_alias=AliasChoices("items", "instances"),
        description="Inputs, each shaped like a single predict body or a row of its values in "
        "the schema's order (the body may name this list `instances`).",
    )
    metadata: Metadata | None = None


class BatchItemResult(BaseModel):
    index: int
    prediction: AnyPrediction | None = None
    error: Any = None


class BatchResponse(BaseModel):
    model: str
    version: str
    results: list[BatchItemResult]


class PredictionsResponse(BaseModel):
    """The answer to `{"instances": [...]}`: one prediction per instance, in order."""

    model: str
    version: str
    predictions: list[AnyPrediction]
