"""Request and response bodies only the HTTP API has (field names kept from the original Inferno
API), and the JSON Schema of an item; what the prediction path takes and answers for a batch is
in shared/serving/bodies.py."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from shared.events.reference import Metadata
from shared.manifest import FeatureSpec, InputSchema, TabularInputSchema

EXAMPLE_TEXT = "The new dashboard is fantastic, setup took two minutes!"
# "Holds something besides whitespace" as text_problem means it (str.isspace), as a JSON Schema
# pattern. Spelled out because patterns follow ECMA-262, whose \s differs from Python's
# (\x1c-\x1f, \x85, \ufeff). Every whitespace character is in the Basic Multilingual Plane.
_WHITESPACE = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
NOT_BLANK = f"[^{_WHITESPACE}]"


class PredictRequest(BaseModel):
    """Unknown fields are refused (422) so that a misspelt field name never goes unnoticed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]}
    )

    text: StrictStr = Field(
        description="The text to classify (at most MAX_TEXT_LENGTH characters).",
        json_schema_extra={"pattern": NOT_BLANK},
    )
    metadata: Metadata | None = None


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
    """Under AUTH_MODE=keys the models are named only to a key that may use them."""

    model_config = ConfigDict(protected_namespaces=())

    status: str = "ready"
    model_name: str | None = None
    model_version: str | None = None
    served_models: list[str] | None = None


class ErrorResponse(BaseModel):
    detail: Any


def item_json_schema(schema: InputSchema, max_text_length: int) -> dict[str, Any]:
    """The JSON Schema of exactly the items `validate_item` accepts for this input schema."""
    if isinstance(schema, TabularInputSchema):
        return {
            "type": "object",
            "properties": {feature.name: feature_schema(feature) for feature in schema.features},
            "required": [feature.name for feature in schema.features],
            "additionalProperties": False,
        }
    text = {
        "type": "string",
        "pattern": NOT_BLANK,
        "maxLength": min(schema.max_length, max_text_length),
    }
    return {
        "type": "object",
        "properties": {schema.field: text},
        "required": [schema.field],
        "additionalProperties": False,
    }


def row_json_schema(schema: InputSchema, max_text_length: int) -> dict[str, Any]:
    """An item as a row: its values in the schema's order."""
    item = item_json_schema(schema, max_text_length)
    values = list(item["properties"].values())
    return {
        "type": "array",
        "prefixItems": values,
        "minItems": len(values),
        "maxItems": len(values),
    }


_JSON_TYPES = {"float": "number", "int": "integer", "bool": "boolean", "category": "string"}


def feature_schema(feature: FeatureSpec) -> dict[str, Any]:
    found: dict[str, Any] = {"type": _JSON_TYPES[feature.type]}
    if feature.type == "category" and feature.unknown_category == "refuse":
        found["enum"] = list(feature.categories or [])
    elif feature.type == "category":
        found["examples"] = list(feature.categories or [])[:20]
    if feature.minimum is not None:
        found["minimum"] = feature.minimum
    if feature.maximum is not None:
        found["maximum"] = feature.maximum
    if feature.nullable:
        found["type"] = [found["type"], "null"]
        if "enum" in found:
            found["enum"].append(None)
    found["description"] = _feature_description(feature)
    if not found["description"]:
        del found["description"]
    return found


def _feature_description(feature: FeatureSpec) -> str:
    parts = [feature.description] if feature.description else []
    if feature.seen_minimum is not None and feature.seen_maximum is not None:
        parts.append(f"seen in training from {feature.seen_minimum:g} to {feature.seen_maximum:g}")
    if feature.nullable:
        parts.append("null when missing")
    if feature.type == "category" and feature.unknown_category == "model":
        parts.append("another value is handled by the model")
    return "; ".join(parts)
