"""Request and response bodies of the HTTP API (field names kept from the original Inferno API)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from shared.settings import get_settings
from shared.validation import text_problem

EXAMPLE_TEXT = "The new dashboard is fantastic, setup took two minutes!"


class PredictRequest(BaseModel):
    """Unknown fields are refused (422) so that a misspelt field name never goes unnoticed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]}
    )

    text: StrictStr = Field(
        description="The text to classify (at most MAX_TEXT_LENGTH characters)."
    )

    @field_validator("text")
    @classmethod
    def text_is_meaningful(cls, text: str) -> str:
        problem = text_problem(text, get_settings().max_text_length)
        if problem:
            raise ValueError(problem)
        return text


class PredictResponse(BaseModel):
    model_config = ConfigDict(
        protected_namespaces=(),
        json_schema_extra={
            "examples": [
                {
                    "text": EXAMPLE_TEXT,
                    "sentiment": "positive",
                    "confidence": 0.93,
                    "model_version": "20261126T120000Z",
                }
            ]
        },
    )

    text: str
    sentiment: str = Field(description="negative, neutral or positive")
    confidence: float = Field(description="Probability of the predicted class.")
    model_version: str


class HealthResponse(BaseModel):
    status: str = "ok"
    uptime_seconds: float


class ReadyResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    status: str = "ready"
    model_name: str
    model_version: str
    served_models: list[str]


class ErrorResponse(BaseModel):
    detail: Any


class ModelInfo(BaseModel):
    name: str
    version: str
    task: str
    labels: list[str]
    input_schema: dict[str, Any]
    metrics: dict[str, Any]
    created_at: str
    description: str


class ModelPrediction(BaseModel):
    label: str
    confidence: float
    probabilities: dict[str, float]


class ModelPredictResponse(ModelPrediction):
    model: str
    version: str


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(
        min_length=1, description="Inputs, each shaped like a single predict body."
    )


class BatchItemResult(BaseModel):
    index: int
    prediction: ModelPrediction | None = None
    error: Any = None


class BatchResponse(BaseModel):
    model: str
    version: str
    results: list[BatchItemResult]
