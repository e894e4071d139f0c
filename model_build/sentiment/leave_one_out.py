"""Leave one domain out: train without a domain, score on its held-out rows.

A customer-feedback platform meets a new kind of text every week; this is how the model reads
one it was never trained on. Each domain's figure sits beside VADER's on the same texts.
"""

import logging
from typing import Any

from model_build.sentiment.candidates import Candidate
from model_build.sentiment.corpus import Split
from model_build.sentiment.domains import (
    DOMAINS,
    PRIMARY,
    Predictions,
    model_predictions,
    score_domains,
)
from model_build.sentiment.fitting import fit

logger = logging.getLogger(__name__)


def leave_one_domain_out(
    choice: Candidate, split: Split, seed: int, vader: Predictions | None
) -> dict[str, dict[str, Any]]:
    """Per domain: the primary figure without it in training, and VADER's on the same rows."""
    vader_scores = score_domains(split.test, vader) if vader else {}
    results: dict[str, dict[str, Any]] = {}
    for domain in DOMAINS:
        test_rows = [i for i, s in enumerate(split.test.sources) if s in domain.sources]
        if not test_rows:
            continue
        if choice.train_sources and set(choice.train_sources) <= set(domain.sources):
            continue  # a candidate trained on this domain alone has nothing left to train on
        train = split.train.take(
            i for i, s in enumerate(split.train.sources) if s not in domain.sources
        )
        logger.info("Leave one domain out: %s (%d training rows)", domain.name, len(train.texts))
        test = split.test.take(test_rows)
        model = fit(choice, train, seed)
        answers = model_predictions(model.predict_proba(test.texts), model.classes_)
        scores = score_domains(test, answers)[domain.name]
        metric = PRIMARY[domain.classes]
        results[domain.name] = {
            "metric": metric,
            "left_out": scores[metric],
            "ece": scores["ece"],
            "n_test": scores["n_test"],
            **({"vader": vader_scores[domain.name][metric]} if vader_scores else {}),
        }
    return results


def worst_margin(lodo: dict[str, dict[str, Any]]) -> float:
    """The smallest (left-out figure - VADER's) over domains: what selection ranks by.

    A candidate never scored left out has no such figure and ranks last (-inf).
    """
    margins = (float(r["left_out"]) - float(r["vader"]) for r in lodo.values())
    return min(margins, default=float("-inf"))
