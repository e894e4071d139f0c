"""What every kind shares: the sample check and the estimator methods a kind requires."""

import pytest

from shared.errors import SampleCheckError
from shared.serving.loaded_model import LoadedModel, check_sample


@pytest.mark.parametrize("name", ["progression", "basket", "fraud"])
def test_a_sample_the_model_cannot_reproduce_is_refused(
    name: str, request: pytest.FixtureRequest
) -> None:
    model: LoadedModel = request.getfixturevalue(name)
    check_sample(model)  # the real one passes
    wrong = {"progression": {"value": 1e6}, "basket": {"items": ["p999"]}}
    wrong["fraud"] = {"score": 0.0, "anomaly": False}
    sample = model.manifest.sample.model_copy(update={"expected": wrong[name]})
    broken = LoadedModel(model.manifest.model_copy(update={"sample": sample}), model.estimator)
    with pytest.raises(SampleCheckError, match="manifest expects"):
        check_sample(broken)


def test_an_estimator_without_what_its_kind_calls_is_refused(progression: LoadedModel) -> None:
    as_anomaly = progression.manifest.model_copy(
        update={"kind": "anomaly", "options": {"threshold": 0.5}}
    )
    with pytest.raises(TypeError, match="score_samples"):
        LoadedModel(as_anomaly, progression.estimator)
