import pytest

from shared.kinds.anomaly import AnomalyPrediction
from shared.kinds.classification import ModelPrediction
from shared.kinds.ranking import RankedItem, RankingPrediction
from shared.kinds.regression import RegressionPrediction
from shared.rollouts.agreement import compare
from shared.rollouts.plan import Policy

POLICY = Policy(regression_tolerance=0.05, ranking_top_k=3)


def _label(label: str, confidence: float) -> ModelPrediction:
    return ModelPrediction(label=label, confidence=confidence, probabilities={})


def test_classification_agrees_on_the_label_and_reports_the_confidence_gap() -> None:
    same = compare("classification", _label("fraud", 0.9), _label("fraud", 0.7), POLICY)
    assert same.score == 1.0 and same.confidence_gap == pytest.approx(0.2)
    assert compare("classification", _label("fraud", 0.9), _label("ok", 0.9), POLICY).score == 0.0


@pytest.mark.parametrize(("got", "agrees"), [(104.9, True), (95.1, True), (105.1, False)])
def test_regression_agrees_within_a_relative_tolerance(got: float, agrees: bool) -> None:
    result = compare(
        "regression", RegressionPrediction(value=100.0), RegressionPrediction(value=got), POLICY
    )
    assert result.score == float(agrees)


def test_regression_near_zero_compares_without_dividing_by_zero() -> None:
    zero = RegressionPrediction(value=0.0)
    assert compare("regression", zero, zero, POLICY).score == 1.0


def _ranked(*items: str) -> RankingPrediction:
    return RankingPrediction(items=[RankedItem(item=item, score=1.0) for item in items])


def test_ranking_scores_the_overlap_of_the_top_k() -> None:
    production, candidate = _ranked("a", "b", "c", "d"), _ranked("c", "a", "x", "b")
    assert compare("ranking", production, candidate, POLICY).score == pytest.approx(2 / 3)
    assert compare("ranking", _ranked(), _ranked(), POLICY).score == 1.0
    assert compare("ranking", _ranked(), _ranked("a"), POLICY).score == 0.0


def test_anomaly_agrees_on_the_flag() -> None:
    flagged = AnomalyPrediction(score=0.9, anomaly=True, threshold=0.5)
    calm = AnomalyPrediction(score=0.1, anomaly=False, threshold=0.5)
    assert compare("anomaly", flagged, flagged, POLICY).score == 1.0
    assert compare("anomaly", flagged, calm, POLICY).score == 0.0


def test_an_unknown_kind_is_named() -> None:
    with pytest.raises(ValueError, match="'embedding'"):
        compare("embedding", _label("a", 1), _label("a", 1), POLICY)
