"""The manifest written beside every model artifact: what the model is and how to check it."""

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.kinds import KINDS
from shared.model_inputs import (
    FeatureSpec,
    InputSchema,
    SampleCheck,
    TabularInputSchema,
    TextInputSchema,
)

# The input schemas and sample checks are the manifest's vocabulary too.
__all__ = [
    "ARTIFACT_FILENAME",
    "MANIFEST_FILENAME",
    "ONNX_ARTIFACT_FILENAME",
    "ArtifactFormat",
    "FeatureSpec",
    "InputSchema",
    "ModelKindName",
    "ModelManifest",
    "OnnxSpec",
    "SampleCheck",
    "TabularInputSchema",
    "TextInputSchema",
]

ARTIFACT_FILENAME = "model.skops"
ONNX_ARTIFACT_FILENAME = "model.onnx"
MANIFEST_FILENAME = "manifest.json"
# skops: scikit-learn objects rebuilt from data under the allowlist; onnx: a graph onnxruntime runs.
ArtifactFormat = Literal["skops", "onnx"]


class OnnxSpec(BaseModel):
    """How an ONNX graph is fed and read: the inputs as one float matrix, one tensor per feature
    (in feature order) or one string column of texts; the output the kind reads (class
    probabilities, values, or anomaly scores where higher is stranger)."""

    inputs: Literal["matrix", "columns", "text"]
    input_names: list[str]
    output: str


# The kinds' names, from the one list of kinds (shared/kinds/__init__.py). Type checkers see a
# str; pydantic validates (and the JSON Schema lists) exactly the registered names.
if TYPE_CHECKING:
    ModelKindName = str
else:
    ModelKindName = Literal[tuple(kind.name for kind in KINDS)]


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
