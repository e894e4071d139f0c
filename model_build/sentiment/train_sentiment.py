"""Train the three-class sentiment model on every source and write it, with its evaluation."""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from model_build.release.artifacts import write_model_dir
from model_build.sentiment.candidates import DEFAULT_CANDIDATE, Candidate, candidate, sample_weights
from model_build.sentiment.corpus import Split, load_all_sources, source_counts, split_corpus
from model_build.sentiment.datasets import TextDataset
from model_build.sentiment.domains import Predictions, headline, model_predictions, score_domains
from model_build.sentiment.length_shares import length_shares
from model_build.sentiment.report import write_sentiment_report
from model_build.sentiment.vader_baseline import vader_predictions
from shared.manifest import ModelManifest, SampleCheck, TextInputSchema

logger = logging.getLogger(__name__)

SAMPLE_TEXT = "I love this product, it works great and the support team was wonderful!"
MAX_TEXT_LENGTH = 20_000  # the longest IMDB review is 13,704 characters
# The last `inferno train --compare` table, committed: each report says how its pipeline was chosen.
CANDIDATE_TABLE = Path(__file__).with_name("candidates.md")


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 42
    test_size: float = 0.2
    max_rows: int | None = None  # a stratified subset, for quick runs
    with_vader: bool = True
    max_text_length: int = MAX_TEXT_LENGTH
    candidate: str = DEFAULT_CANDIDATE


@dataclass(frozen=True)
class Evaluation:
    systems: dict[str, dict[str, dict[str, Any]]]  # system -> domain -> scores
    lengths: dict[str, Any]


def fit(choice: Candidate, train: TextDataset, seed: int) -> Pipeline:
    if choice.train_sources:
        train = train.take(i for i, s in enumerate(train.sources) if s in choice.train_sources)
    pipeline = choice.build(seed)
    weights = sample_weights(choice.weighting, train.sources, train.labels)
    # One BLAS thread: with more, the order of floating-point sums follows the thread count and
    # the machine's load, and the solver's stopping point with it (tweets macro-F1 0.739-0.742
    # for the same data and seed across machines). One thread was also faster here (148 s, 182).
    with threadpool_limits(limits=1):
        pipeline.fit(train.texts, train.labels, classifier__sample_weight=weights)
    return pipeline


def evaluate(pipeline: Pipeline, test: TextDataset, with_vader: bool) -> Evaluation:
    answers = {"model": model_predictions(pipeline.predict_proba(test.texts), pipeline.classes_)}
    if with_vader:
        answers["vader"] = vader_predictions(test.texts)
    return evaluate_predictions(test, answers)


def evaluate_predictions(test: TextDataset, answers: dict[str, Predictions]) -> Evaluation:
    systems = {name: score_domains(test, p) for name, p in answers.items()}
    lengths = length_shares(test, {name: p.labels for name, p in answers.items()})
    return Evaluation(systems, lengths)


def data_summary(split: Split) -> dict[str, Any]:
    return {
        "sources": {"train": source_counts(split.train), "test": source_counts(split.test)},
        "duplicates_dropped": split.duplicates_dropped,
        "small_sources_dropped": split.small_sources_dropped,
        "read_from": split.train.source.split(" + "),
    }


def train_sentiment(
    output_dir: Path, config: TrainConfig = TrainConfig(), data: TextDataset | None = None
) -> ModelManifest:
    started = time.perf_counter()
    split = split_corpus(data or load_all_sources(), config.test_size, config.seed, config.max_rows)
    summary = data_summary(split)
    logger.info("Corpus: %d train, %d held out", len(split.train.texts), len(split.test.texts))
    choice = candidate(config.candidate)
    logger.info(
        "Fitting %s (%s): a few minutes on the full corpus", choice.name, choice.description
    )
    pipeline = fit(choice, split.train, config.seed)
    evaluation = evaluate(pipeline, split.test, config.with_vader)
    manifest = write_sentiment_dir(
        output_dir, pipeline, config, choice, evaluation, summary, split.test.texts
    )
    logger.info(
        "Wrote %s/%s to %s in %.0f s: %s",
        manifest.name,
        manifest.version,
        output_dir,
        time.perf_counter() - started,
        manifest.metrics["domains"],
    )
    return manifest


def write_sentiment_dir(
    output_dir: Path,
    pipeline: Pipeline,
    config: TrainConfig,
    choice: Candidate,
    evaluation: Evaluation,
    summary: dict[str, Any],
    reference_texts: Sequence[str] = (),
) -> ModelManifest:
    """The artifact, its manifest and the evaluation report, in one directory. The drift
    reference is drawn from the held-out texts: answers on training texts are overconfident."""
    manifest = write_model_dir(
        output_dir,
        estimator=pipeline,
        name="sentiment",
        task="text-classification",
        input_schema=TextInputSchema(max_length=config.max_text_length),
        metrics=manifest_metrics(config, choice, evaluation, summary),
        sample=SampleCheck(input={"text": SAMPLE_TEXT}, expected_label=_sample_label(pipeline)),
        reference_inputs=[{"text": text} for text in reference_texts] or None,
        description=(
            "Three-class sentiment (negative / neutral / positive) of customer texts: tweets, "
            "reviews and review sentences."
        ),
    )
    lines = report_lines(summary, choice)
    appendix = CANDIDATE_TABLE.read_text() if CANDIDATE_TABLE.is_file() else ""
    write_sentiment_report(output_dir, evaluation.systems, evaluation.lengths, lines, appendix)
    return manifest


def _sample_label(pipeline: Pipeline) -> str:
    [expected] = pipeline.predict([SAMPLE_TEXT])
    return str(expected)


def manifest_metrics(
    config: TrainConfig, choice: Candidate, evaluation: Evaluation, summary: dict[str, Any]
) -> dict[str, Any]:
    """Top-level figures stay the tweets domain's, as before; `domains` holds every domain."""
    model = evaluation.systems["model"]
    vader = evaluation.systems.get("vader")
    tweets = model.get("tweets", {})
    return {
        "macro_f1": tweets.get("macro_f1"),
        "accuracy": tweets.get("accuracy"),
        "per_class": tweets.get("per_class"),
        "domains": headline(model),
        "baseline_vader": {k: vader["tweets"][k] for k in ("macro_f1", "accuracy")}
        if vader and "tweets" in vader
        else None,
        "baseline_vader_domains": headline(vader) if vader else None,
        "pipeline": {"name": choice.name, "description": choice.description},
        "split": {
            "test_size": config.test_size,
            "seed": config.seed,
            "stratified": "by source and label, after deduplication across sources",
            "n_test": sum(summary["sources"]["test"].values()),
        },
        "dataset": summary,
    }


def report_lines(summary: dict[str, Any], choice: Candidate) -> list[str]:
    train, test = summary["sources"]["train"], summary["sources"]["test"]
    lines = [
        f"Pipeline `{choice.name}`: {choice.description}.",
        "",
        f"Trained on {sum(train.values())} texts, scored on {sum(test.values())} held out "
        f"(the same stratified share of every source, after dropping "
        f"{summary['duplicates_dropped']} duplicates across sources: same words once case, "
        "markup, whitespace and punctuation are ignored). Sources left too small to split: "
        f"{summary['small_sources_dropped'] or 'none'}.",
        "",
        "| source | train | held out |",
        "|---|---|---|",
    ]
    lines += [f"| {source} | {train[source]} | {test.get(source, 0)} |" for source in train]
    return lines
