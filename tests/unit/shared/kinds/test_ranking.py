"""Ranking: k validated, one estimator call per batch, min_score, its metrics and its cost."""

import pytest

from shared.errors import InvalidInput
from shared.kinds.ranking import RankingInput
from shared.observability import metrics
from shared.serving.loaded_model import LoadedModel
from tests.support.counting import counted


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
