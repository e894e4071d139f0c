"""Fit a candidate on training rows: optional lexicon rows, then an optional calibrated layer."""

from typing import Any, Protocol

from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from model_build.sentiment.candidates import Candidate, sample_weights
from model_build.sentiment.corpus import strata
from model_build.sentiment.datasets import TextDataset, concatenate
from model_build.sentiment.lexicon_data import lexicon_training_rows


class Classifier(Protocol):
    """A fitted pipeline, or the calibrated layer around one."""

    classes_: Any

    def predict(self, texts: Any) -> Any: ...
    def predict_proba(self, texts: Any) -> Any: ...


# The share of the corpus's training rows held back to fit the calibration layer: the pipeline
# never sees them, so their scores are as overconfident as on new text.
CALIBRATION_SHARE = 0.1


def fit(choice: Candidate, train: TextDataset, seed: int) -> Classifier:
    if choice.train_sources:
        train = train.take(i for i, s in enumerate(train.sources) if s in choice.train_sources)
    held: TextDataset | None = None
    if choice.calibration:
        train, held = calibration_split(train, seed)
    if choice.lexicon:
        train = concatenate([train, lexicon_training_rows(seed)])
    pipeline = choice.build(seed)
    weights = sample_weights(choice.weighting, train.sources, train.labels)
    # One BLAS thread: with more, the order of floating-point sums follows the thread count and
    # the machine's load, and the solver's stopping point with it (tweets macro-F1 0.739-0.742
    # for the same data and seed across machines). One thread was also faster here (148 s, 182).
    with threadpool_limits(limits=1):
        pipeline.fit(train.texts, train.labels, classifier__sample_weight=weights)
        if held is None:
            fitted: Classifier = pipeline
            return fitted
        # Unweighted: the layer learns how often an answer is right on the corpus as it comes.
        calibrated: Classifier = CalibratedClassifierCV(
            FrozenEstimator(pipeline), method=choice.calibration
        ).fit(held.texts, held.labels)
        return calibrated


def calibration_split(train: TextDataset, seed: int) -> tuple[TextDataset, TextDataset]:
    """(rows to fit the pipeline, rows to fit the calibration), stratified by source and label."""
    fit_rows, held_rows = train_test_split(
        range(len(train.texts)),
        test_size=CALIBRATION_SHARE,
        stratify=strata(train),
        random_state=seed,
    )
    return train.take(sorted(fit_rows)), train.take(sorted(held_rows))
