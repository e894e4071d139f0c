"""Model kinds: what each kind of model takes, answers, checks and records.

One module per kind; `kind_of` picks a model's kind by its manifest. To add one, see README.md.
"""

from typing import TYPE_CHECKING

from shared.serving.kinds.anomaly import Anomaly, AnomalyPrediction, AnomalyResponse
from shared.serving.kinds.base import ModelKind
from shared.serving.kinds.classification import (
    Classification,
    ModelPrediction,
    ModelPredictResponse,
)
from shared.serving.kinds.ranking import Ranking, RankingPrediction, RankingResponse
from shared.serving.kinds.regression import Regression, RegressionPrediction, RegressionResponse

if TYPE_CHECKING:
    from shared.manifest import ModelManifest

KINDS: dict[str, ModelKind] = {
    kind.name: kind for kind in (Classification(), Regression(), Ranking(), Anomaly())
}

# Any kind's answer for one item: what a batch result holds. Each has a required field no other
# has (label, value, items, score), so a serialised answer reads back as its own kind.
AnyPrediction = ModelPrediction | RegressionPrediction | RankingPrediction | AnomalyPrediction
AnyResponse = ModelPredictResponse | RegressionResponse | RankingResponse | AnomalyResponse


def kind_of(manifest: "ModelManifest") -> ModelKind:
    return KINDS[manifest.kind]


__all__ = ["KINDS", "AnyPrediction", "AnyResponse", "ModelKind", "kind_of"]
