"""Predicted class shares by text length, beside the true shares: length must not decide."""

from collections import Counter
from collections.abc import Sequence

from model_build.sentiment.datasets import SENTIMENT_LABELS, TextDataset

REVIEW_SOURCES = ("imdb_reviews", "rt_sentences", "vader_movies", "vader_products")
BUCKETS = ((0, 100), (100, 300), (300, 1000), (1000, 3000), (3000, None))


def bucket_name(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high - 1}"


def length_shares(
    test: TextDataset, systems: dict[str, Sequence[str]]
) -> dict[str, dict[str, dict[str, float | int]]]:
    """Per length bucket (characters) of held-out reviews: n, and each system's class shares."""
    reviews = [i for i, source in enumerate(test.sources) if source in REVIEW_SOURCES]
    table: dict[str, dict[str, dict[str, float | int]]] = {}
    for low, high in BUCKETS:
        rows = [
            i
            for i in reviews
            if low <= len(test.texts[i]) and (high is None or len(test.texts[i]) < high)
        ]
        if not rows:
            continue
        columns = {"truth": [test.labels[i] for i in rows]}
        columns |= {name: [labels[i] for i in rows] for name, labels in systems.items()}
        table[bucket_name(low, high)] = {
            name: {"n": len(rows), **_shares(labels)} for name, labels in columns.items()
        }
    return table


def _shares(labels: Sequence[str]) -> dict[str, float]:
    counts = Counter(labels)
    return {label: round(counts[label] / len(labels), 3) for label in SENTIMENT_LABELS}
