"""VADER, the lexicon baseline the trained model must beat, scored on the same split."""

import logging
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

logger = logging.getLogger(__name__)

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


def vader_label(compound: float) -> str:
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def vader_predict(texts: Sequence[str]) -> list[str]:
    analyzer = SentimentIntensityAnalyzer()
    labels = []
    for done, text in enumerate(texts, start=1):
        labels.append(vader_label(analyzer.polarity_scores(text)["compound"]))
        if done % 2000 == 0 or done == len(texts):
            logger.info("VADER scored %d/%d texts", done, len(texts))
    return labels
