"""Each kind: what it validates, one estimator call per batch, its sample check, its metrics."""

import json
from pathlib import Path
from typing import Any, get_args

import pytest

from shared.errors import InvalidInput, SampleCheckError
from shared.kinds import BY_NAME
from shared.kinds.ranking import RankingInput
from shared.manifest import ModelKindName, ModelManifest
from shared.observability import metrics
from shared.serving.loaded_model import LoadedModel, check_sample


class CountingEstimator:
    """Wraps an estimator and counts the calls that reach it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if callable(attribute):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.calls += 1
                return attribute(*args, **kwargs)

            return counted
        return attribute


def counted(model: LoadedModel) -> tuple[LoadedModel, CountingEstimator]:
    estimator = CountingEstimator(model.estimator)
    return LoadedModel(model.manifest, estimator), estimator


def emitted(name: str) -> list[dict[str, Any]]:
    return [doc for doc in metrics.drain() if name in doc]


def test_every_kind_the_manifest_names_has_a_module() -> None:
    assert set(get_args(ModelKindName)) == set(BY_NAME)


def test_a_manifest_from_before_kinds_is_a_classifier(sentiment_model_dir: Path) -> None:
    data = json.loads((sentiment_model_dir / "manifest.json").read_text())
    data.pop("kind", None)
    data.pop("options", None)
    assert ModelManifest.model_validate(data).kind == "classification"


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


def test_ranking_validates_k_and_ranks_in_one_call(basket: LoadedModel) -> None:
    model, estimator = counted(basket)
    sample = dict(model.manifest.sample.input)
    for bad, message in ((0, "between 1 and 20"), (21, "between 1 and 20"), (True, "integer")):
        with pytest.raises(InvalidInput) as caught:
            model.kind.validate(model.manifest, {**sample, "k": bad}, 5000)
        [error] = caught.value.args[0]
        assert error["loc"] == ["body", "k"] and message in error["msg"]
    # Both problems are named at once: k and the schema's field.
    with pytest.raises(InvalidInput) as caught:
        model.kind.validate(model.manifest, {"k": 0, "basket": ""}, 5000)
    assert [e["loc"] for e in caught.value.args[0]] == [["body", "k"], ["body", "basket"]]
    default = model.kind.validate(model.manifest, {"basket": "p001"}, 5000)
    assert default == RankingInput("p001", 10)
    answers = model.predict([RankingInput(sample["basket"], k) for k in (1, 3, 20)])
    assert estimator.calls == 1
    assert [len(a.items) for a in answers[:2]] == [1, 3]
    assert answers[2].items[:3] == answers[1].items
    scores = [i.score for i in answers[2].items]  # at most 20, none below min_score
    assert scores == sorted(scores, reverse=True) and len(scores) <= 20 and min(scores) >= 0.01


def test_ranking_leaves_out_items_below_min_score_and_counts_empty_answers(
    basket: LoadedModel,
) -> None:
    strict = basket.manifest.model_copy(update={"options": {"min_score": 1.0}})
    model = LoadedModel(strict, basket.estimator)
    [answer] = model.predict([RankingInput("p001 p002", 5)])
    assert answer.items == []
    model.kind.record(model, [answer])
    documents = metrics.drain()
    counts = {
        (d.get("result"), name): d[name]
        for d in documents
        for name in ("RankingCount", "RankedItems")
        if name in d
    }
    assert counts == {("empty", "RankingCount"): [1.0], (None, "RankedItems"): [0.0]}


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


def test_a_text_ranking_batch_costs_its_text_like_any_text_batch(basket: LoadedModel) -> None:
    from shared.serving.batching import EXPRESS_MAX_COST, ITEM_COST, item_chars, request_cost

    # GIVEN a batch of long baskets, validated by the ranker (each becomes a (text, k) input)
    texts = [" ".join(f"p{(i + j) % 90:03d}" for j in range(150)) for i in range(40)]
    ranked = [basket.kind.validate(basket.manifest, {"basket": t, "k": 3}, 5000) for t in texts]
    assert all(isinstance(item, RankingInput) for item in ranked)
    # WHEN it is costed THEN its characters count, as for the same texts classified
    cost = request_cost(ranked, item_chars(ranked))
    assert (
        cost
        == request_cost(texts, item_chars(texts))
        == ITEM_COST * len(texts) + sum(map(len, texts))
    )
    # AND so it takes the bulk lane, not the express one
    assert cost > EXPRESS_MAX_COST
