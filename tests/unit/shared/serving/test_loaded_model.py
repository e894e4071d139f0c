"""Loading verifies hash, types and the sample prediction before a model may serve."""

import io
import zipfile
from pathlib import Path

import pytest

from model_build.release.artifacts import read_manifest
from shared.errors import IntegrityError, SampleCheckError, UntrustedArtifactError
from shared.serving.linear_plan import LinearPlan
from shared.serving.loaded_model import (
    SCHEMA_MAX_BYTES,
    LoadedModel,
    artifact_schema,
    load_verified,
    sha256_hex,
    with_plan,
)


def test_a_verified_model_predicts_labels_and_probabilities(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    model = load_verified(manifest, (sentiment_model_dir / manifest.artifact).read_bytes())
    [good, bad] = model.predict(["I love this, it is wonderful", "This is awful, I hate it"])
    assert (good.label, bad.label) == ("positive", "negative")
    assert set(good.probabilities) == {"negative", "neutral", "positive"}
    assert good.confidence == max(good.probabilities.values())
    assert abs(sum(good.probabilities.values()) - 1) < 1e-3


def test_an_artifact_that_does_not_match_its_sha256_is_refused(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    with pytest.raises(IntegrityError, match="does not match"):
        load_verified(manifest, artifact + b"tampered")


def test_an_artifact_with_types_outside_the_trusted_list_is_refused(
    sentiment_model_dir: Path,
) -> None:
    # GIVEN a manifest whose hash matches but which trusts fewer types than the artifact holds
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    narrowed = manifest.model_copy(update={"trusted_types": manifest.trusted_types[1:]})
    # WHEN it is loaded THEN it is refused before anything is deserialised
    with pytest.raises(UntrustedArtifactError):
        load_verified(narrowed, artifact)


def test_a_model_that_misses_its_sample_prediction_is_refused(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    wrong = manifest.sample.model_copy(
        update={
            "expected_label": "neutral"
            if manifest.sample.expected_label != "neutral"
            else "negative"
        }
    )
    with pytest.raises(SampleCheckError, match="manifest expects"):
        load_verified(manifest.model_copy(update={"sample": wrong}), artifact)


def test_the_manifest_records_what_the_issue_names(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    artifact = (sentiment_model_dir / manifest.artifact).read_bytes()
    assert manifest.sha256 == sha256_hex(artifact)
    assert manifest.labels == ["negative", "neutral", "positive"]
    assert set(manifest.framework_versions) == {"python", "scikit-learn", "skops"}
    assert manifest.input_schema.kind == "text"
    assert {"macro_f1", "accuracy", "per_class"} <= set(manifest.metrics)
    assert manifest.created_at and manifest.version


def test_a_schema_that_inflates_past_the_cap_is_refused_before_it_is_inflated() -> None:
    # GIVEN a skops-shaped zip whose schema.json is 65 MiB of spaces (64 KiB compressed)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", b"{}" + b" " * SCHEMA_MAX_BYTES)
    assert len(packed.getvalue()) < 1 << 20
    # WHEN its schema is read THEN it is refused by its declared size
    with pytest.raises(UntrustedArtifactError, match="inflates to"):
        artifact_schema(packed.getvalue())


def test_a_verified_linear_model_is_served_on_its_plan(sentiment_model_dir: Path) -> None:
    manifest = read_manifest(sentiment_model_dir)
    model = load_verified(manifest, (sentiment_model_dir / manifest.artifact).read_bytes())
    assert isinstance(model.estimator, LinearPlan)
    [answer] = model.predict(["not bad at all"])
    [as_fitted] = LoadedModel(manifest, model.estimator.estimator).predict(["not bad at all"])
    assert answer == as_fitted


def test_a_plan_that_disagrees_with_its_estimator_is_not_used(
    sentiment_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = read_manifest(sentiment_model_dir)
    model = load_verified(manifest, (sentiment_model_dir / manifest.artifact).read_bytes())
    fitted = LoadedModel(manifest, model.estimator.estimator)
    answered = LinearPlan.predict_proba
    monkeypatch.setattr(LinearPlan, "predict_proba", lambda self, x: answered(self, x) * 0.999)
    assert with_plan(fitted).estimator is fitted.estimator
