"""Regression: a value, and an interval when the manifest asks for one and the model gives a
standard deviation (`predict(X, return_std=True)`: BayesianRidge, ARDRegression, Gaussian
processes, or a Pipeline ending in one)."""

from statistics import NormalDist
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from shared.kinds.base import KindManifest, SchemaOnly, ServedModel, emit, require, to_matrix
from shared.metric_spec import MetricSpec

# What this kind's answers look like in aggregate (the metrics contract, README table).
PREDICTED_VALUE = MetricSpec(
    "PredictedValue", "None", ("model",), "every value a regressor predicted (percentiles)"
)


class RegressionOptions(BaseModel):
    """`options` in a regressor's manifest."""

    interval: float | None = Field(
        default=None, gt=0, lt=1, description="central interval level, e.g. 0.9; none if unset"
    )
    tolerance: float = Field(default=1e-6, ge=0, description="sample check: allowed difference")


class RegressionPrediction(BaseModel):
    value: float
    lower: float | None = Field(default=None, description="interval bound, when the model has one")
    upper: float | None = None


class RegressionResponse(RegressionPrediction):
    model: str
    version: str


class Regression(SchemaOnly):
    name: ClassVar[str] = "regression"
    output: ClassVar[type[BaseModel]] = RegressionPrediction
    response: ClassVar[type[BaseModel]] = RegressionResponse
    metric_specs: ClassVar[tuple[MetricSpec, ...]] = (PREDICTED_VALUE,)

    def check_estimator(self, manifest: KindManifest, estimator: Any) -> None:
        require(estimator, "predict")
        RegressionOptions.model_validate(manifest.options)

    def predict(self, model: ServedModel, inputs: list[Any]) -> list[BaseModel]:
        options = RegressionOptions.model_validate(model.manifest.options)
        matrix = to_matrix(model.manifest, inputs)
        if options.interval is None:
            return [_value(float(v)) for v in model.estimator.predict(matrix)]
        values, stds = model.estimator.predict(matrix, return_std=True)
        z = NormalDist().inv_cdf(0.5 + options.interval / 2)
        return [
            _value(float(v), float(v) - z * float(s), float(v) + z * float(s))
            for v, s in zip(values, stds, strict=True)
        ]

    def sample_problem(self, manifest: KindManifest, output: BaseModel) -> str | None:
        assert isinstance(output, RegressionPrediction)
        expected = float((manifest.sample.expected or {}).get("value", "nan"))
        tolerance = RegressionOptions.model_validate(manifest.options).tolerance
        if not abs(output.value - expected) <= tolerance * max(1.0, abs(expected)):
            return f"sample predicted {output.value!r}, manifest expects {expected!r}"
        return None

    def record(self, model: ServedModel, outputs: list[BaseModel]) -> None:
        for output in outputs:
            assert isinstance(output, RegressionPrediction)
            emit(PREDICTED_VALUE, output.value, model=model.name)

    def tally(self, output: BaseModel) -> str:
        return "value"


def _value(value: float, lower: float | None = None, upper: float | None = None) -> BaseModel:
    return RegressionPrediction.model_construct(
        value=round(value, 6),
        lower=None if lower is None else round(lower, 6),
        upper=None if upper is None else round(upper, 6),
    )
