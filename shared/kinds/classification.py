"""Classification: a label, its confidence and every class's probability (today's answer)."""

from typing import Any, ClassVar

from pydantic import BaseModel

from shared.kinds.base import KindManifest, SchemaOnly, ServedModel, emit, require, to_matrix
from shared.metric_spec import MetricSpec


class ModelPrediction(BaseModel):
    label: str
    confidence: float
    probabilities: dict[str, float]


class ModelPredictResponse(ModelPrediction):
    model: str
    version: str


class Classification(SchemaOnly):
    name: ClassVar[str] = "classification"
    output: ClassVar[type[BaseModel]] = ModelPrediction
    response: ClassVar[type[BaseModel]] = ModelPredictResponse
    # PredictionCount by label is every kind's: the service records it (metric_names.py).
    metric_specs: ClassVar[tuple[MetricSpec, ...]] = ()

    def check_estimator(self, manifest: KindManifest, estimator: Any) -> None:
        require(estimator, "classes_", "predict_proba")

    def predict(self, model: ServedModel, inputs: list[Any]) -> list[BaseModel]:
        classes = [str(label) for label in model.estimator.classes_]
        probabilities = model.estimator.predict_proba(to_matrix(model.manifest, inputs))
        winners = probabilities.argmax(axis=1)
        return [
            ModelPrediction.model_construct(
                label=classes[winner],
                confidence=round(float(row[winner]), 6),
                probabilities={c: round(float(p), 6) for c, p in zip(classes, row, strict=True)},
            )
            for winner, row in zip(winners, probabilities, strict=True)
        ]

    def sample_problem(self, manifest: KindManifest, output: BaseModel) -> str | None:
        assert isinstance(output, ModelPrediction)
        expected = manifest.sample.expected_label
        if output.label != expected:
            return f"sample predicted {output.label!r}, manifest expects {expected!r}"
        return None

    def record(self, model: ServedModel, outputs: list[BaseModel]) -> None:
        from shared.observability.metric_names import PREDICTION_COUNT  # see `emit`

        for output in outputs:
            assert isinstance(output, ModelPrediction)
            emit(PREDICTION_COUNT, 1, model=model.name, label=output.label)

    def tally(self, output: BaseModel) -> str:
        assert isinstance(output, ModelPrediction)
        return output.label
