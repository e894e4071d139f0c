"""Captured records: what a prediction and a feedback record hold, texts as CAPTURE_TEXT says,
one line each, filed by model, version, date and hour."""

import hashlib
import json

import pytest

from shared.capture.records import (
    FEEDBACK,
    PREDICTIONS,
    captured_input,
    encode,
    feedback_record,
    folder,
    prediction_record,
)
from shared.kinds.classification import ModelPrediction
from shared.kinds.ranking import RankingInput
from shared.kinds.regression import RegressionPrediction
from shared.serving.answers import Answer

AT = 1_796_554_673.123  # 2026-12-06T10:57:53.123Z
TEXT = "Support never answered\u2028my ticket"


def answer(items: list[object], outputs: list[object]) -> Answer:
    return Answer(
        model="sentiment",
        version="v1",
        kind="classification",
        items=items,
        outputs=outputs,  # type: ignore[arg-type]
        client=None,
        request_id="req-7",
    )


def test_a_prediction_record_has_the_contracts_fields() -> None:
    output = ModelPrediction(label="negative", confidence=0.93, probabilities={"negative": 0.93})
    record = prediction_record(answer([TEXT], [output]), AT, "keep")
    assert record == {
        "request_id": "req-7",
        "time": "2026-12-06T10:57:53.123Z",
        "model": "sentiment",
        "version": "v1",
        "kind": "classification",
        "client": None,
        "inputs": [{"text": TEXT}],
        "outputs": [{"label": "negative", "confidence": 0.93, "probabilities": {"negative": 0.93}}],
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", {"text": TEXT}),
        ("hash", {"text_sha256": hashlib.sha256(TEXT.encode()).hexdigest()}),
        ("drop", {}),
    ],
)
def test_texts_are_kept_hashed_or_dropped(mode: str, expected: dict[str, str]) -> None:
    assert captured_input(TEXT, mode) == expected  # type: ignore[arg-type]


def test_features_stay_as_they_are_and_a_rankers_k_is_kept() -> None:
    features = {"amount": 12.5, "country": "FR", "night": None}
    assert captured_input(features, "drop") == features
    assert captured_input(RankingInput(TEXT, 5), "hash") == {
        "text_sha256": hashlib.sha256(TEXT.encode()).hexdigest(),
        "k": 5,
    }
    assert captured_input(RankingInput(features, 3), "keep") == {**features, "k": 3}


def test_every_record_is_one_line_ending_with_a_newline() -> None:
    record = prediction_record(
        answer([TEXT + "\n\r\x85"], [RegressionPrediction(value=1.5)]), AT, "keep"
    )
    line = encode(record)
    assert line.endswith(b"\n") and len(line.decode().splitlines()) == 1
    assert json.loads(line) == record


def test_records_are_filed_by_model_version_date_and_hour() -> None:
    prediction = prediction_record(answer(["hi"], [RegressionPrediction(value=1.0)]), AT, "drop")
    assert folder(PREDICTIONS, prediction) == (
        "predictions/model=sentiment/version=v1/date=2026-12-06/hour=10/"
    )
    feedback = feedback_record("req-7", AT, "sentiment", "v1", "acme", label="positive")
    assert feedback == {
        "request_id": "req-7",
        "time": "2026-12-06T10:57:53.123Z",
        "model": "sentiment",
        "version": "v1",
        "client": "acme",
        "label": "positive",
        "value": None,
    }
    assert folder(FEEDBACK, feedback) == "feedback/model=sentiment/date=2026-12-06/hour=10/"
