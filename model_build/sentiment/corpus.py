"""All sources in one corpus: deduplicated first, then a fixed stratified share of each held out.

Deduplication runs before the split, across sources: otherwise a sentence that appears twice
(the Rotten Tomatoes sentences are in two packages; ~3 % of tweets repeat) lands on both sides
and flatters the held-out score.
"""

import re
from collections import Counter
from dataclasses import dataclass

from sklearn.model_selection import train_test_split

from model_build.sentiment.datasets import TextDataset, concatenate, load_sentiment_corpus
from model_build.sentiment.review_data import clean_text, load_movie_reviews, load_vader_ratings

_NOT_WORD = re.compile(r"[\W_]+")
# A source with fewer unique rows cannot be split and scored in every class: after
# deduplication the Rotten Tomatoes CSV keeps ~45 of its 8,530 sentences (the rest are VADER's
# rated movie sentences, kept with their graded label), too few to stratify.
MIN_SOURCE_ROWS = 200


@dataclass(frozen=True)
class Split:
    train: TextDataset
    test: TextDataset
    duplicates_dropped: int
    small_sources_dropped: dict[str, int]


def load_all_sources() -> TextDataset:
    """Graded (three-class) sources first: where texts repeat, the graded label is kept."""
    return concatenate([load_vader_ratings(), load_sentiment_corpus(), load_movie_reviews()])


def duplicate_key(text: str) -> str:
    """Case, markup, whitespace and punctuation do not make two texts different."""
    return _NOT_WORD.sub("", clean_text(text).casefold())


def deduplicate(data: TextDataset) -> tuple[TextDataset, int]:
    """Keep the first row of every key (source order decides), and drop texts with no words."""
    seen: set[str] = set()
    keep: list[int] = []
    for row, text in enumerate(data.texts):
        key = duplicate_key(text)
        if key and key not in seen:
            seen.add(key)
            keep.append(row)
    return data.take(keep), len(data.texts) - len(keep)


def strata(data: TextDataset) -> list[str]:
    """Source and label together, so every source is held out in the same share."""
    return [f"{source}/{label}" for source, label in zip(data.sources, data.labels, strict=True)]


def subsample(data: TextDataset, rows: int, seed: int) -> TextDataset:
    """A stratified subset for quick runs: every source and class keeps its share."""
    if rows >= len(data.texts):
        return data
    kept, _ = train_test_split(
        range(len(data.texts)), train_size=rows, stratify=strata(data), random_state=seed
    )
    return data.take(sorted(kept))


def split_corpus(
    data: TextDataset, test_size: float, seed: int, max_rows: int | None = None
) -> Split:
    unique, dropped = deduplicate(data)
    unique, small = drop_small_sources(unique)
    if max_rows:
        unique = subsample(unique, max_rows, seed)
    train_rows, test_rows = train_test_split(
        range(len(unique.texts)), test_size=test_size, stratify=strata(unique), random_state=seed
    )
    return Split(unique.take(sorted(train_rows)), unique.take(sorted(test_rows)), dropped, small)


def drop_small_sources(data: TextDataset) -> tuple[TextDataset, dict[str, int]]:
    counts = Counter(data.sources)
    small = {source: n for source, n in counts.items() if n < MIN_SOURCE_ROWS}
    kept = (row for row, source in enumerate(data.sources) if source not in small)
    return data.take(kept), small


def source_counts(data: TextDataset) -> dict[str, int]:
    return dict(sorted(Counter(data.sources).items()))
