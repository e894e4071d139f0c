"""What packaging records of the artifact's answers: the sample check per kind, agreement with
the estimator within a tolerance, and metrics against the sample's labels."""

import pytest

from model_build.packaging.outcomes import agreement, label_metrics, sample_check
from shared.kinds.classification import ModelPrediction
from shared.kinds.regression import RegressionPrediction


def said(label: str, confidence: float) -> ModelPrediction:
    return ModelPrediction(
        label=label, confidence=confidence, probabilities={label: confidence, "other": 0.0}
    )


def test_a_classifier_is_checked_by_label_and_other_kinds_by_their_answer() -> None:
    row = {"amount": 3.0}
    assert sample_check("classification", row, said("high", 0.9)).expected_label == "high"
    check = sample_check("regression", row, RegressionPrediction(value=2.5))
    assert check.expected == {"value": 2.5, "lower": None, "upper": None}


def test_answers_agree_within_the_tolerance_and_a_label_change_never_does() -> None:
    reference = [said("high", 0.9), said("low", 0.6)]
    close = [said("high", 0.9 + 1e-7), said("low", 0.6)]
    assert agreement("classification", reference, close, 1e-6)["agrees"]
    far = agreement("classification", reference, [said("high", 0.8), said("low", 0.6)], 1e-6)
    assert not far["agrees"] and far["max_difference"] == pytest.approx(0.1)
    flipped = agreement("classification", reference, [said("low", 0.9), said("low", 0.6)], 1.0)
    assert not flipped["agrees"] and flipped["detail"].startswith("1 of 2 answers differ")


def test_a_regression_value_differs_relative_to_its_size() -> None:
    reference = [RegressionPrediction(value=1000.0)]
    found = agreement("regression", reference, [RegressionPrediction(value=1001.0)], 0.01)
    assert found["agrees"] and found["max_difference"] == pytest.approx(0.001)


def test_label_metrics_score_the_sample_for_each_kind() -> None:
    outputs = [said("high", 0.9), said("low", 0.8), said("low", 0.7), said("high", 0.6)]
    found = label_metrics("classification", ["high", "low", "high", "high"], outputs)
    assert found == {"label_rows": 4, "accuracy": 0.75, "macro_f1": 0.7333}
    values = [RegressionPrediction(value=v) for v in (1.0, 2.0, 4.0)]
    regression = label_metrics("regression", [1.0, 2.0, 3.0], values)
    assert (regression["mae"], regression["label_rows"]) == (pytest.approx(1 / 3), 3)
