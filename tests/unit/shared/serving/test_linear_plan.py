"""A linear plan answers as scikit-learn's predict_proba does, for every shape it takes on."""

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler

from shared.serving.linear_plan import Unplannable, plan_for

TEXTS = [
    "I love this, it is wonderful", "This is awful, I hate it", "not bad at all",
    "Delivery was on Tuesday.", "can't say I love it", "great great great!!!", "meh", "",
    "The refund took three weeks and nobody answered my emails", "ok I guess 🙂",
]  # fmt: skip
THREE = ["positive", "negative", "positive", "neutral", "negative", "positive", "neutral",
         "neutral", "negative", "neutral"]  # fmt: skip
TWO = ["yes" if label == "positive" else "no" for label in THREE]


def words(**tfidf: object) -> Pipeline:
    hasher = HashingVectorizer(
        n_features=2**12, alternate_sign=False, norm=None, ngram_range=(1, 2)
    )
    return make_pipeline(hasher, TfidfTransformer(**tfidf))


def chars() -> Pipeline:
    hasher = HashingVectorizer(
        n_features=2**10, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False, norm=None
    )
    return make_pipeline(hasher, TfidfTransformer(sublinear_tf=True))


def the_default_shape() -> Pipeline:
    """The default sentiment model's: two hashed TF-IDF parts and a logistic regression."""
    union = FeatureUnion([("words", words(sublinear_tf=True)), ("chars", chars())])
    return Pipeline([("features", union), ("classifier", LogisticRegression(C=4.0))])


def weighted_with_a_part_dropped() -> Pipeline:
    union = FeatureUnion(
        [("words", words()), ("chars", chars()), ("gone", "drop")],
        transformer_weights={"words": 2.0},
    )
    return Pipeline([("features", union), ("classifier", LogisticRegression())])


def tfidf_after_a_union() -> Pipeline:
    counts = FeatureUnion([("a", CountVectorizer()), ("b", CountVectorizer(analyzer="char"))])
    return Pipeline([
        ("features", counts),
        ("tfidf", TfidfTransformer()),
        ("scale", MaxAbsScaler()),
        ("skip", "passthrough"),
        ("classifier", LogisticRegression()),
    ])  # fmt: skip


SHAPES: dict[str, Callable[[], Pipeline]] = {
    "the default's": the_default_shape,
    "weighted, one part dropped": weighted_with_a_part_dropped,
    "l1, no idf": lambda: make_pipeline(words(norm="l1", use_idf=False), LogisticRegression()),
    "no norm": lambda: make_pipeline(words(norm=None), LogisticRegression()),
    "a vocabulary": lambda: make_pipeline(TfidfVectorizer(), LogisticRegression()),
    "counts, then TF-IDF after a union": tfidf_after_a_union,
}


@pytest.mark.parametrize("labels", [THREE, TWO], ids=["three classes", "two classes"])
@pytest.mark.parametrize("shape", SHAPES)
def test_a_plan_answers_as_the_pipeline_does(shape: str, labels: list[str]) -> None:
    model = SHAPES[shape]().fit(TEXTS, labels)
    plan = plan_for(model)
    unseen = ["wonderful, not awful", "hate", "Tuesday it was", "", "a" * 3000]
    for texts in (TEXTS, unseen, unseen[:1]):
        expected = model.predict_proba(texts)
        np.testing.assert_allclose(plan.predict_proba(texts), expected, rtol=1e-12)
    assert list(plan.classes_) == list(model.classes_)


FITTED = the_default_shape().fit(TEXTS, THREE)
PLANNED = plan_for(FITTED)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=300), min_size=1, max_size=8))
def test_any_texts_get_the_pipelines_probabilities(texts: list[str]) -> None:
    expected = FITTED.predict_proba(texts)
    np.testing.assert_allclose(PLANNED.predict_proba(texts), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "model",
    [
        LogisticRegression().fit([[0.0], [1.0]], ["a", "b"]),
        make_pipeline(HashingVectorizer(n_features=16), Ridge()).fit(TEXTS, [1.0] * len(TEXTS)),
        make_pipeline(words(norm="max"), LogisticRegression()),
    ],
    ids=["not a pipeline", "not a logistic regression", "a norm scikit-learn has no kernel for"],
)
def test_other_models_have_no_plan(model: object) -> None:
    with pytest.raises(Unplannable):
        plan_for(model)


def test_features_of_another_width_are_refused_not_misread() -> None:
    model = make_pipeline(HashingVectorizer(n_features=64), LogisticRegression())
    model.fit(TEXTS, THREE)
    model.steps[0][1].set_params(n_features=32)  # changed after fitting
    with pytest.raises(ValueError, match="32 wide, the model reads 64"):
        plan_for(model).predict_proba(["hello"])


def test_a_missing_value_fails_the_call_as_it_fails_the_pipeline() -> None:
    model = make_pipeline(MaxAbsScaler(), LogisticRegression())
    model.fit([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], ["a", "b", "a"])
    with pytest.raises(ValueError, match="NaN"):
        model.predict_proba([[float("nan"), 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        plan_for(model).predict_proba([[float("nan"), 1.0]])
