"""What every model kind provides: the contract a kind module fills in.

A kind decides what a request may carry beyond the manifest's input schema (`k`), how a batch
of validated inputs becomes outputs in ONE estimator call, what the sample check compares, what
one answer looks like, and which metrics it records. Everything else (registry, batcher, routes,
Lambda, jobs) handles its inputs and outputs without looking inside.

Kinds read a manifest and a loaded model through the two small protocols below, never their
modules: the manifest takes its kind names from the kinds, and a loaded model holds its kind.
"""

from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from shared.errors import InvalidInput
from shared.kinds.validation import validate_item
from shared.metric_spec import MetricSpec
from shared.model_inputs import InputSchema, SampleCheck, TabularInputSchema


class KindManifest(Protocol):
    """What a kind reads of a model's manifest (shared.manifest.ModelManifest)."""

    @property
    def input_schema(self) -> InputSchema: ...
    @property
    def sample(self) -> SampleCheck: ...
    @property
    def options(self) -> dict[str, Any]: ...


class ServedModel(Protocol):
    """What a kind reads of a loaded model (shared.serving.loaded_model.LoadedModel)."""

    @property
    def name(self) -> str: ...
    @property
    def manifest(self) -> KindManifest: ...
    @property
    def estimator(self) -> Any: ...


class ModelKind(Protocol):
    """One kind of model; see README.md beside it for how to add one."""

    name: ClassVar[str]
    # The schema of one answer: the item of a batch response, the body of a single one (with
    # `model` and `version` added by `response`).
    output: ClassVar[type[BaseModel]]
    response: ClassVar[type[BaseModel]]
    # Metrics only this kind records (in `record`); they join the contract's table.
    metric_specs: ClassVar[tuple[MetricSpec, ...]]

    def check_estimator(self, manifest: KindManifest, estimator: Any) -> None:
        """Raise TypeError when the estimator lacks what `predict` calls."""

    def validate(self, manifest: KindManifest, item: Any, max_text_length: int) -> Any:
        """The model-ready input of one request item; InvalidInput naming every bad field."""

    def predict(self, model: ServedModel, inputs: list[Any]) -> list[BaseModel]:
        """One estimator call for the whole list; one output per input, in order."""

    def sample_problem(self, manifest: KindManifest, output: BaseModel) -> str | None:
        """Why the sample's output is not what the manifest expects, or None."""

    def record(self, model: ServedModel, outputs: list[BaseModel]) -> None:
        """The kind's metrics for answered items (called on the event loop, per request)."""

    def tally(self, output: BaseModel) -> str:
        """A short class of one answer for bulk-job counts (a label, flagged or not, ...)."""

    def request_properties(self, manifest: KindManifest) -> dict[str, Any]:
        """JSON Schema properties a request item may carry beyond the input schema."""


class SchemaOnly:
    """Defaults for a kind whose request is exactly the manifest's input schema."""

    def validate(self, manifest: KindManifest, item: Any, max_text_length: int) -> Any:
        return validate_item(manifest.input_schema, item, max_text_length)

    def request_properties(self, manifest: KindManifest) -> dict[str, Any]:
        return {}


def to_matrix(manifest: KindManifest, inputs: list[Any]) -> Any:
    """What the estimator takes: the texts for a text schema; for a tabular one a float matrix
    in feature order (missing values as NaN), or a DataFrame when it was fitted on one."""
    schema = manifest.input_schema
    if not isinstance(schema, TabularInputSchema):
        return list(inputs)
    import numpy as np  # not at module import: it would delay /health by ~0.15 s

    names = [feature.name for feature in schema.features]
    if schema.layout == "frame":
        return _frame(schema, names, inputs)
    nan = float("nan")
    return np.array(
        [[nan if item[name] is None else float(item[name]) for name in names] for item in inputs]
    )


def _frame(schema: Any, names: list[str], inputs: list[Any]) -> Any:
    import numpy as np
    import pandas as pd  # only models fitted on a DataFrame pay for it

    columns: dict[str, Any] = {}
    for feature in schema.features:
        values = [item[feature.name] for item in inputs]
        if feature.type == "category":
            columns[feature.name] = np.array(
                [np.nan if value is None else value for value in values], dtype=object
            )
        elif feature.type == "bool" and not feature.nullable:
            columns[feature.name] = np.array(values, dtype=bool)
        elif feature.type == "int" and not any(value is None for value in values):
            columns[feature.name] = np.array(values, dtype=np.int64)
        else:
            columns[feature.name] = np.array(
                [np.nan if value is None else float(value) for value in values], dtype=np.float64
            )
    return pd.DataFrame(columns, columns=names)


def emit(spec: MetricSpec, value: float, **dimensions: str) -> None:
    """Add to this process's metrics. Imported on first use: reading a manifest imports the
    kinds, and should not set up logging, tracing and metrics."""
    from shared.observability import metrics

    metrics.add(spec, value, **dimensions)


def require(estimator: Any, *methods: str) -> None:
    missing = [method for method in methods if not hasattr(estimator, method)]
    if missing:
        raise TypeError(f"{type(estimator).__name__} has no {', '.join(missing)}")


def options_error(loc: str, msg: str, kind: str = "value_error") -> InvalidInput:
    return InvalidInput([{"loc": ["body", loc], "msg": msg, "type": kind}])
