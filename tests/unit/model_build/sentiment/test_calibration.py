"""Expected calibration error: zero when confidences match accuracy, the gap when they do not."""

import pytest

from model_build.sentiment.calibration import reliability


def test_confidences_that_match_accuracy_have_no_calibration_error() -> None:
    # GIVEN ten answers at 0.8 confidence of which eight are right, ten at 0.95 (19 of 20 right)
    confidence = [0.8] * 10 + [0.95] * 20
    correct = [True] * 8 + [False] * 2 + [True] * 19 + [False]
    curve = reliability(confidence, correct)
    assert curve["ece"] == 0.0
    assert [b["n"] for b in curve["bins"]] == [10, 20]


def test_overconfidence_is_the_bin_weighted_gap() -> None:
    # GIVEN 0.99 confidence everywhere and half the answers right, beside a calibrated 0.6 bin
    confidence = [0.99] * 10 + [0.6] * 10
    correct = [True, False] * 5 + [True] * 6 + [False] * 4
    assert reliability(confidence, correct)["ece"] == pytest.approx(0.5 * 0.49, abs=1e-4)
