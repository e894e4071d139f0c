"""The manifest written beside every model artifact: what the model is and how to check it."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ARTIFACT_FILENAME = "model.skops"
ONNX_ARTIFACT_FILENAME = "model.onnx"
MANIFEST_FILENAME = "manifest.json"
# skops: scikit-learn objects rebuilt from data under the allowlist; onnx: a graph onnxruntime runs.
ArtifactFormat = Literal["skops", "onnx"]


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


class OnnxSpec(BaseModel):
    """How an ONNX graph is fed and read: the inputs as one float matrix, one tensor per feature
    (in feature order) or one string column of texts; the output the kind reads (class
    probabilities, values, or anomaly scores where higher is stranger)."""

    inputs: Literal["matrix", "columns", "text"]
    input_names: list[str]
    output: str


# Each is one module in shared/serving/kinds/ (a test keeps the two lists equal).
ModelKindName = Literal["classification", "regression", "ranking", "anomaly"]


class ModelManifest(BaseModel):
    """Everything the server needs to verify, describe and validate inputs for a model."""

    model_config = ConfigDict(protected_namespaces=())

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    # "<input>-<kind>"; manifests written before kinds existed name only classifiers.
    task: str = Field(pattern=r"^(text|tabular)-[a-z]+$")
    kind: ModelKindName = "classification"  # filled from `task` when absent
    created_at: str
    labels: list[str] = Field(default_factory=list)
    input_schema: InputSchema
    artifact: str = ARTIFACT_FILENAME
    format: ArtifactFormat = "skops"
    onnx: OnnxSpec | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    # The artifact's length: the store reads no more than this (absent in older manifests).
    artifact_bytes: int | None = Field(default=None, ge=0)
    trusted_types: list[str] = Field(default_factory=list)
    framework_versions: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    sample: SampleCheck
    # More inputs with their answers (the packaging sample's next rows), checked like `sample`.
    checks: list[SampleCheck] = Field(default_factory=list)
    # The kind's own settings (a ranker's max_k, an anomaly scorer's threshold), read by its module.
    options: dict[str, Any] = Field(default_factory=dict)
    description: str = ""

    @model_validator(mode="after")
    def _onnx_says_how(self) -> "ModelManifest":
        if self.format == "onnx" and self.onnx is None:
            raise ValueError("an onnx model needs `onnx`: its inputs and the output to read")
        return self

    @model_validator(mode="before")
    @classmethod
    def _kind_from_task(cls, data: Any) -> Any:
        """A manifest without `kind` (all before kinds existed) takes it from its task."""
        if isinstance(data, dict) and "kind" not in data and isinstance(data.get("task"), str):
            return {**data, "kind": data["task"].partition("-")[2]}
        return data
