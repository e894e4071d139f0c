"""The manifest written beside every model artifact: what the model is and how to check it."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ARTIFACT_FILENAME = "model.skops"
MANIFEST_FILENAME = "manifest.json"


class TextInputSchema(BaseModel):
    """The model takes one free text per item."""

    kind: Literal["text"] = "text"
    field: str = "text"
    max_length: int = 20_000


class FeatureSpec(BaseModel):
    """One named tabular feature with its type and allowed range."""

    name: str
    type: Literal["float", "int"] = "float"
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""


class TabularInputSchema(BaseModel):
    """The model takes a fixed set of named numeric features per item."""

    kind: Literal["tabular"] = "tabular"
    features: list[FeatureSpec]


InputSchema = Annotated[TextInputSchema | TabularInputSchema, Field(discriminator="kind")]


class SampleCheck(BaseModel):
    """An input and the label the model must give it; run before a model is served."""

    input: dict[str, Any]
    expected_label: str


class ModelManifest(BaseModel):
    """Everything the server needs to verify, describe and validate inputs for a model."""

    model_config = ConfigDict(protected_namespaces=())

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    task: Literal["text-classification", "tabular-classification"]
    created_at: str
    labels: list[str]
    input_schema: InputSchema
    artifact: str = ARTIFACT_FILENAME
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    trusted_types: list[str] = Field(default_factory=list)
    framework_versions: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    sample: SampleCheck
    description: str = ""
