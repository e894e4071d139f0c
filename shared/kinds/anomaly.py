"""Anomaly scoring: a score (higher is stranger) and a flag at the manifest's threshold.

The score is the negated `score_samples` of the estimator (IsolationForest, LocalOutlierFactor
with novelty=True, OneClassSVM, or a Pipeline ending in one), so an IsolationForest scores in
(0, 1] as in the original paper.
"""

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from shared.kinds.base import KindManifest, SchemaOnly, ServedModel, emit, require, to_matrix
from shared.metric_spec import MetricSpec

# What this kind's answers look like in aggregate (the metrics contract, README table).
ANOMALY_COUNT = MetricSpec(
    "AnomalyCount",
    "Count",
    ("model", "flagged"),
    "every item an anomaly scorer scored, by flag (true or false): the flagged share",
)


class AnomalyOptions(BaseModel):
    """`options` in an anomaly scorer's manifest."""

    threshold: float = Field(description="an item is flagged when its score is at least this")


class AnomalyPrediction(BaseModel):
    score: float = Field(description="higher is more anomalous")
    anomaly: bool = Field(description="score >= the model's threshold")
    threshold: float


class AnomalyResponse(AnomalyPrediction):
    model: str
    version: str


class Anomaly(SchemaOnly):
    name: ClassVar[str] = "anomaly"
    output: ClassVar[type[BaseModel]] = AnomalyPrediction
    response: ClassVar[type[BaseModel]] = AnomalyResponse
    metric_specs: ClassVar[tuple[MetricSpec, ...]] = (ANOMALY_COUNT,)

    def check_estimator(self, manifest: KindManifest, estimator: Any) -> None:
        require(estimator, "score_samples")
        AnomalyOptions.model_validate(manifest.options)

    def predict(self, model: ServedModel, inputs: list[Any]) -> list[BaseModel]:
        threshold = AnomalyOptions.model_validate(model.manifest.options).threshold
        scores = -model.estimator.score_samples(to_matrix(model.manifest, inputs))
        return [
            AnomalyPrediction.model_construct(
                score=round(float(s), 6), anomaly=bool(s >= threshold), threshold=threshold
            )
            for s in scores
        ]

    def sample_problem(self, manifest: KindManifest, output: BaseModel) -> str | None:
        assert isinstance(output, AnomalyPrediction)
        expected = manifest.sample.expected or {}
        difference = abs(output.score - float(expected.get("score", "nan")))
        if output.anomaly != expected.get("anomaly") or not difference <= 1e-6:
            return f"sample scored {output.score!r} ({output.anomaly}), manifest expects {expected}"
        return None

    def record(self, model: ServedModel, outputs: list[BaseModel]) -> None:
        for output in outputs:
            assert isinstance(output, AnomalyPrediction)
            flagged = "true" if output.anomaly else "false"
            emit(ANOMALY_COUNT, 1, model=model.name, flagged=flagged)

    def tally(self, output: BaseModel) -> str:
        assert isinstance(output, AnomalyPrediction)
        return "anomaly" if output.anomaly else "normal"
