"""The release gate refuses a candidate that loses more than a point on any domain."""

from pathlib import Path
from typing import Any

import pytest

from handlers.cli.main import main
from model_build.release.gate import GateRefused, check_against_alias, compare
from shared.manifest import MANIFEST_FILENAME, ModelManifest, SampleCheck, TextInputSchema
from shared.store.local import LocalStore

DOMAINS = {
    "tweets": {"macro_f1": 0.74, "accuracy": 0.76, "ece": 0.03, "n_test": 7421},
    "long_reviews": {"accuracy": 0.90, "pn_accuracy": 0.90, "ece": 0.04, "n_test": 4980},
    "negation_suite": {"accuracy": 0.86, "n_test": 330},
}


def manifest(version: str, metrics: dict[str, Any]) -> ModelManifest:
    return ModelManifest(
        name="sentiment",
        version=version,
        task="text-classification",
        created_at="2026-11-28T00:00:00+00:00",
        labels=["negative", "neutral", "positive"],
        input_schema=TextInputSchema(),
        sha256="0" * 64,
        metrics=metrics,
        sample=SampleCheck(input={"text": "fine"}, expected_label="positive"),
    )


def with_figure(domain: str, metric: str, value: float) -> dict[str, Any]:
    domains = {name: dict(figures) for name, figures in DOMAINS.items()}
    domains[domain][metric] = value
    return {"domains": domains}


def test_a_candidate_within_a_point_everywhere_passes() -> None:
    candidate = manifest("v2", with_figure("long_reviews", "pn_accuracy", 0.891))
    result = compare(candidate, manifest("v1", {"domains": DOMAINS}))
    assert result.passed
    assert "long_reviews.pn_accuracy: candidate 0.8910, serving 0.9000 (-0.0090)" in result.lines


@pytest.mark.parametrize(
    ("domain", "metric"),
    [("tweets", "macro_f1"), ("long_reviews", "pn_accuracy"), ("negation_suite", "accuracy")],
)
def test_losing_more_than_a_point_on_any_figure_refuses(domain: str, metric: str) -> None:
    # GIVEN a candidate that is 0.011 below the serving version on one figure only
    candidate = manifest("v2", with_figure(domain, metric, DOMAINS[domain][metric] - 0.011))
    # WHEN compared THEN that figure is named as the loss
    result = compare(candidate, manifest("v1", {"domains": DOMAINS}))
    assert not result.passed
    assert [loss.split(":")[0] for loss in result.losses] == [f"{domain}.{metric}"]


def test_calibration_error_rising_more_than_a_point_refuses_and_falling_passes() -> None:
    # GIVEN a candidate whose confidences drift 0.011 further from its accuracy on long reviews
    worse = manifest("v2", with_figure("long_reviews", "ece", 0.051))
    result = compare(worse, manifest("v1", {"domains": DOMAINS}))
    # THEN the rise is the loss; a better-calibrated candidate passes
    assert [loss.split(":")[0] for loss in result.losses] == ["long_reviews.ece"]
    better = manifest("v3", with_figure("tweets", "ece", 0.001))
    assert compare(better, manifest("v1", {"domains": DOMAINS})).passed


def test_a_domain_the_candidate_no_longer_reports_is_a_loss() -> None:
    candidate = manifest("v2", {"domains": {"tweets": DOMAINS["tweets"]}})
    result = compare(candidate, manifest("v1", {"domains": DOMAINS}))
    assert result.losses == [
        "long_reviews.accuracy: 0.9000 in v1, missing now",
        "long_reviews.ece: 0.0400 in v1, missing now",
        "long_reviews.pn_accuracy: 0.9000 in v1, missing now",
        "negation_suite.accuracy: 0.8600 in v1, missing now",
    ]


def test_a_legacy_manifest_is_read_as_the_tweets_domain() -> None:
    # GIVEN a serving manifest from before per-domain metrics (tweets only, top-level figures)
    serving = manifest("v1", {"macro_f1": 0.743, "accuracy": 0.75, "per_class": {}})
    # WHEN a candidate reports domains THEN tweets are compared and new domains only noted
    result = compare(manifest("v2", {"domains": DOMAINS}), serving)
    assert result.passed
    assert "long_reviews: new domain, nothing to compare with" in result.lines
    assert any(line.startswith("tweets.macro_f1: candidate 0.7400") for line in result.lines)


def publish_manifest(store: LocalStore, item: ModelManifest, alias: str | None = None) -> None:
    store.write(f"{item.name}/{item.version}/{MANIFEST_FILENAME}", item.model_dump_json().encode())
    if alias:
        store.set_alias(item.name, alias, item.version)


def test_the_first_release_has_nothing_to_compare_with(tmp_path: Path) -> None:
    lines = check_against_alias(
        manifest("v2", {"domains": DOMAINS}), LocalStore(tmp_path), "production"
    )
    assert lines == ["sentiment: no production version yet, nothing to compare with"]


def test_the_store_alias_picks_the_version_to_beat(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    publish_manifest(store, manifest("v1", {"domains": DOMAINS}), alias="production")
    worse = manifest("v2", with_figure("tweets", "macro_f1", 0.70))
    with pytest.raises(GateRefused, match=r"against production v1: loses more than 0.01 on tweets"):
        check_against_alias(worse, store, "production")


def test_the_cli_exits_non_zero_with_one_line_naming_the_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a store serving v1 and a model directory holding a worse candidate
    store = LocalStore(tmp_path / "store")
    publish_manifest(store, manifest("v1", {"domains": DOMAINS}), alias="production")
    candidate_dir = tmp_path / "candidate"
    candidate_dir.mkdir()
    worse = manifest("v2", with_figure("long_reviews", "accuracy", 0.85))
    (candidate_dir / MANIFEST_FILENAME).write_text(worse.model_dump_json())
    # WHEN the gate runs THEN it refuses with exit 1 and names the domain
    code = main(["gate", str(candidate_dir), "--store", str(tmp_path / "store")])
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith("inferno gate: sentiment: candidate v2 against production v1")
    assert "long_reviews.accuracy: candidate 0.8500, serving 0.9000 (-0.0500)" in error
    # AND a candidate as good as production passes with exit 0
    (candidate_dir / MANIFEST_FILENAME).write_text(
        manifest("v3", {"domains": DOMAINS}).model_dump_json()
    )
    assert main(["gate", str(candidate_dir), "--store", str(tmp_path / "store")]) == 0
