"""Regression: one estimator call per batch, intervals, its metric."""

from shared.serving.loaded_model import LoadedModel
from tests.support.counting import counted, emitted


def test_regression_answers_a_batch_in_one_call_with_intervals(progression: LoadedModel) -> None:
    model, estimator = counted(progression)
    item = model.kind.validate(model.manifest, model.manifest.sample.input, 5000)
    answers = model.predict([item] * 5)
    assert estimator.calls == 1
    assert all(a.lower < a.value < a.upper for a in answers)
    assert answers[0].value == model.manifest.sample.expected["value"]  # type: ignore[index]
    model.kind.record(model, answers)
    [document] = emitted("PredictedValue")
    assert document["PredictedValue"] == [answers[0].value] * 5
