"""Train the three-class sentiment model on every source and write it, with its evaluation."""

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_build.release.artifacts import write_model_dir
from model_build.sentiment.candidates import DEFAULT_CANDIDATE, Candidate, candidate
from model_build.sentiment.corpus import Split, load_all_sources, source_counts, split_corpus
from model_build.sentiment.datasets import TextDataset
from model_build.sentiment.domains import Predictions, headline, model_predictions, score_domains
from model_build.sentiment.fitting import Classifier, fit
from model_build.sentiment.leave_one_out import leave_one_domain_out
from model_build.sentiment.length_shares import length_shares
from model_build.sentiment.negation_suite import SUITE_NAME, load_suite, score_suite
from model_build.sentiment.report import Evaluation, write_sentiment_report
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
    # Refit once per domain without it (about six more fits): `make train` and `--compare` do.
    leave_one_out: bool = False


def evaluate(model: Classifier, test: TextDataset, vader: Predictions | None) -> Evaluation:
    """The model's figures, beside VADER's answers on the same texts when given."""
    answers = {"model": model_predictions(model.predict_proba(test.texts), model.classes_)}
    if vader is not None:
        answers["vader"] = vader
    return evaluate_predictions(test, answers, suite_answers(model, vader is not None))


def suite_answers(model: Classifier, with_vader: bool) -> dict[str, list[str]]:
    texts = [row.text for row in load_suite()]
    answers = {"model": [str(label) for label in model.predict(texts)]}
    if with_vader:
        answers["vader"] = vader_predictions(texts).labels
    return answers


def evaluate_predictions(
    test: TextDataset,
    answers: dict[str, Predictions],
    suite: dict[str, list[str]],
    leave_one_out: dict[str, dict[str, Any]] | None = None,
) -> Evaluation:
    systems = {name: score_domains(test, p) for name, p in answers.items()}
    lengths = length_shares(test, {name: p.labels for name, p in answers.items()})
    rows = load_suite()
    suite_scores = {name: score_suite(rows, labels) for name, labels in suite.items()}
    return Evaluation(systems, lengths, suite_scores, leave_one_out)


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
    # VADER read once: the evaluation and the left-out domains score it on the same texts.
    vader = vader_predictions(split.test.texts) if config.with_vader else None
    evaluation = evaluate(pipeline, split.test, vader)
    if config.leave_one_out:
        lodo = leave_one_domain_out(choice, split, config.seed, vader)
        evaluation = dataclasses.replace(evaluation, leave_one_out=lodo)
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
    pipeline: Classifier,
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
    write_sentiment_report(output_dir, evaluation, lines, appendix)
    return manifest


def _sample_label(pipeline: Classifier) -> str:
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
        "domains": with_suite(headline(model), evaluation.suite["model"]),
        "baseline_vader": {k: vader["tweets"][k] for k in ("macro_f1", "accuracy")}
        if vader and "tweets" in vader
        else None,
        "baseline_vader_domains": with_suite(headline(vader), evaluation.suite["vader"])
        if vader
        else None,
        "leave_one_domain_out": evaluation.leave_one_out,
        "pipeline": {"name": choice.name, "description": choice.description},
        "split": {
            "test_size": config.test_size,
            "seed": config.seed,
            "stratified": "by source and label, after deduplication across sources",
            "n_test": sum(summary["sources"]["test"].values()),
        },
        "dataset": summary,
    }


def with_suite(
    domains: dict[str, dict[str, float | int]], suite: dict[str, Any]
) -> dict[str, dict[str, float | int]]:
    """The negation suite beside the domains, so the release gate compares it like one."""
    return {**domains, SUITE_NAME: {"accuracy": suite["accuracy"], "n_test": suite["n_test"]}}


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
