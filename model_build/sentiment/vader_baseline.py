"""VADER, the lexicon baseline the trained model must beat, scored on the same held-out texts."""

import logging
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from model_build.sentiment.domains import Predictions

logger = logging.getLogger(__name__)

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


def vader_label(compound: float) -> str:
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def vader_compound(texts: Sequence[str]) -> list[float]:
    analyzer = SentimentIntensityAnalyzer()
    scores = []
    for done, text in enumerate(texts, start=1):
        scores.append(float(analyzer.polarity_scores(text)["compound"]))
        if done % 2000 == 0 or done == len(texts):
            logger.info("VADER scored %d/%d texts", done, len(texts))
    return scores


def vader_predict(texts: Sequence[str]) -> list[str]:
    return [vader_label(compound) for compound in vader_compound(texts)]


def vader_predictions(texts: Sequence[str]) -> Predictions:
    """Labels by VADER's own thresholds; positive-vs-negative by the compound's sign."""
    compound = vader_compound(texts)
    return Predictions(
        [vader_label(c) for c in compound], ["positive" if c >= 0 else "negative" for c in compound]
    )
