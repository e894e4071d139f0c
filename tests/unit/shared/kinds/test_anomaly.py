"""Anomaly: scores, flags at the threshold, counts flags."""

from shared.observability import metrics
from shared.serving.loaded_model import LoadedModel
from tests.support.counting import counted


def test_anomaly_scores_flags_at_the_threshold_and_counts_flags(fraud: LoadedModel) -> None:
    model, estimator = counted(fraud)
    strange = model.kind.validate(model.manifest, model.manifest.sample.input, 5000)
    ordinary = {
        "amount": 30.0,
        "hour": 14,
        "distance_km": 4.0,
        "transactions_24h": 3,
        "merchant_risk": 0.2,
    }
    answers = model.predict([strange, ordinary])
    assert estimator.calls == 1
    assert [a.anomaly for a in answers] == [True, False]
    assert answers[0].score > answers[0].threshold > answers[1].score
    model.kind.record(model, answers)
    flags = {d["flagged"]: d["AnomalyCount"] for d in metrics.drain() if "AnomalyCount" in d}
    assert flags == {"true": [1.0], "false": [1.0]}
