"""The reference profile a training run leaves beside its artifact: bounded, seeded, without a
single text, hashed in the manifest, and carried into the store by publish."""

import json
import random
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from model_build.release.artifacts import write_model_dir
from model_build.release.publish import publish
from shared.drift.errors import NoReference
from shared.drift.profile import MAX_ROWS, PROFILE_FILENAME, parse_profile
from shared.manifest import ModelManifest, SampleCheck, TextInputSchema
from shared.store.local import LocalStore

WORDS = ["great", "awful", "fine", "broken", "love", "hate", "ok", "slow", "fast", "refund"]


def texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(2, 12))) for _ in range(count)]


def train(directory: Path, reference: list[str] | None, version: str = "v1") -> ModelManifest:
    corpus = texts(200, seed=1)
    labels = ["positive" if ("great" in t or "love" in t) else "negative" for t in corpus]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(corpus, labels)
    return write_model_dir(
        directory,
        estimator=model,
        name="tiny",
        version=version,
        task="text-classification",
        input_schema=TextInputSchema(),
        metrics={},
        sample=SampleCheck(input={"text": "great"}, expected_label=model.predict(["great"])[0]),
        description="",
        reference_inputs=[{"text": t} for t in reference] if reference is not None else None,
    )


def test_the_profile_is_a_bounded_seeded_sample_with_the_models_answers(tmp_path: Path) -> None:
    # GIVEN more reference texts than a profile holds
    reference = texts(MAX_ROWS + 1000, seed=2)
    # WHEN the model directory is written twice
    first, second = train(tmp_path / "a", reference), train(tmp_path / "b", reference)
    data = (tmp_path / "a" / PROFILE_FILENAME).read_bytes()
    profile = parse_profile(data, first)
    # THEN it keeps MAX_ROWS of them, the same ones each time, and says how many it saw
    assert profile.rows == MAX_ROWS and profile.source_rows == MAX_ROWS + 1000
    assert data == (tmp_path / "b" / PROFILE_FILENAME).read_bytes()
    assert first.metrics["drift_reference"] == second.metrics["drift_reference"]
    # AND it holds descriptors and answers, never a text
    assert [c.name for c in profile.columns if c.role == "prediction"] == [
        "prediction_label",
        "prediction_confidence",
    ]
    assert set(profile.data["prediction_label"]) <= {"positive", "negative"}
    assert not any(text.encode() in data for text in reference[:50])
    assert {type(n) for n in profile.data["word_count"]} == {float}
    assert max(float(n or 0) for n in profile.data["word_count"]) <= 12


def test_a_profile_that_does_not_match_its_manifest_is_refused(tmp_path: Path) -> None:
    manifest = train(tmp_path, texts(50, seed=3))
    path = tmp_path / PROFILE_FILENAME
    tampered = json.loads(path.read_bytes())
    tampered["data"]["prediction_label"][0] = "other"
    with pytest.raises(NoReference, match="does not match its manifest's sha256"):
        parse_profile(json.dumps(tampered).encode(), manifest)


def test_publish_carries_the_profile_into_the_store(tmp_path: Path) -> None:
    manifest = train(tmp_path / "model", texts(50, seed=4))
    store = LocalStore(tmp_path / "store")
    publish(tmp_path / "model", store)
    stored = store.read(f"tiny/v1/{PROFILE_FILENAME}")
    assert parse_profile(stored, store.manifest("tiny", "v1")).rows == 50
    assert store.manifest("tiny", "v1") == manifest


def test_a_model_written_without_reference_inputs_leaves_no_stale_profile(tmp_path: Path) -> None:
    train(tmp_path, texts(50, seed=5))
    manifest = train(tmp_path, None)
    assert not (tmp_path / PROFILE_FILENAME).exists()
    with pytest.raises(NoReference, match="records no reference profile"):
        parse_profile(b"{}", manifest)


def test_the_same_data_gives_the_same_profile_whatever_the_version(tmp_path: Path) -> None:
    reference = texts(100, seed=6)
    first = train(tmp_path / "a", reference)
    second = train(tmp_path / "b", reference, version="v2")
    assert first.metrics["drift_reference"] == second.metrics["drift_reference"]
    profile = parse_profile((tmp_path / "b" / PROFILE_FILENAME).read_bytes(), second)
    assert profile.version == "v2"
