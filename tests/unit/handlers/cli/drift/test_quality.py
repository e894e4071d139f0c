from handlers.cli.drift.quality import live_quality


def test_accuracy_counts_only_labelled_answers() -> None:
    pairs = [
        ({"label": "negative"}, ("negative", None)),
        ({"label": "positive"}, ("negative", None)),
        ({"label": "neutral"}, (None, 3.0)),  # a value for a classifier: not a label
    ]
    assert live_quality("classification", pairs) == {"metric": "accuracy", "value": 0.5, "count": 2}


def test_mean_absolute_error_for_a_regressor() -> None:
    pairs = [({"value": 10.0}, (None, 12.0)), ({"value": 5.0}, (None, 4.0))]
    assert live_quality("regression", pairs) == {"metric": "mae", "value": 1.5, "count": 2}


def test_an_anomaly_flag_is_compared_with_a_true_or_false_label() -> None:
    pairs = [({"anomaly": True}, ("true", None)), ({"anomaly": False}, ("TRUE", None))]
    assert live_quality("anomaly", pairs) == {"metric": "accuracy", "value": 0.5, "count": 2}


def test_without_feedback_there_is_no_quality_rather_than_zero() -> None:
    assert live_quality("classification", []) is None
    assert live_quality("regression", [({"value": 1.0}, ("a", None))]) is None
    assert live_quality("ranking", [({"items": []}, ("p001", None))]) is None
