"""The pure parts of event replay: event files, response decoding and expected-response matching."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from handlers.cli.replay import (
    Emulator,
    EventFileError,
    compare,
    load_event,
    load_events,
    matches,
    response_body,
    response_headers,
)

EVENTS = Path(__file__).resolve().parents[4] / "events"
SOURCES = ("alb", "alb-multi-value", "apigw-v1", "apigw-v2")


def test_every_event_file_pairs_an_event_with_its_expected_response() -> None:
    # GIVEN the committed sample events WHEN loaded
    cases = load_events(EVENTS)
    # THEN each has a Lambda event and an expected status, and every source is represented
    assert len(cases) >= 40
    for case in cases:
        assert isinstance(case.expected, dict) and isinstance(case.expected["statusCode"], int)
        assert "requestContext" in case.event, case.name
    for source in SOURCES:
        assert any(case.name.startswith(f"{source}-") for case in cases), source


@pytest.mark.parametrize("source", ["alb", "apigw-v1", "apigw-v2"])
def test_every_route_and_bad_input_is_covered_for_each_source(source: str) -> None:
    # GIVEN the events of one source WHEN their names are listed THEN routes and failures are there
    names = {case.name for case in load_events(EVENTS)}
    for suffix in (
        "health", "ready", "predict", "predict-base64", "predict-missing-text",
        "predict-empty-text", "predict-malformed-json", "predict-wrong-method", "unknown-path",
        "models", "model", "model-unknown", "model-predict", "model-predict-batch",
    ):  # fmt: skip
        assert f"{source}-{suffix}" in names


def test_a_bare_event_file_has_no_expectation(tmp_path: Path) -> None:
    # GIVEN a file holding just a Lambda event
    path = tmp_path / "bare.json"
    path.write_text(json.dumps({"requestContext": {"elb": {}}, "httpMethod": "GET"}))
    # WHEN loaded THEN the whole file is the event and nothing is expected
    case = load_event(path)
    assert case.event["httpMethod"] == "GET" and case.expected is None and case.name == "bare"


def test_an_event_is_paired_with_the_expectation_beside_it(tmp_path: Path) -> None:
    # GIVEN a raw event and its expectation file beside it
    (tmp_path / "ok.json").write_text(json.dumps({"requestContext": {}, "httpMethod": "GET"}))
    expected = {"description": "a health check", "statusCode": 200, "body": {"status": "ok"}}
    (tmp_path / "ok.expected.json").write_text(json.dumps(expected))
    # WHEN the directory is loaded
    (case,) = load_events(tmp_path)
    # THEN the expectation file is not an event, and it gives the case its expectation
    assert case.name == "ok" and case.event == {"requestContext": {}, "httpMethod": "GET"}
    assert case.expected == {"statusCode": 200, "body": {"status": "ok"}}
    assert case.description == "a health check"


def test_every_committed_file_is_a_raw_event_or_an_expectation_beside_one() -> None:
    # GIVEN the committed sample files WHEN sorted into events and expectations
    for folder in (EVENTS, EVENTS / "batch"):
        files = {p.name for p in folder.glob("*.json")}
        expectations = {n for n in files if n.endswith(".expected.json")}
        # THEN each expectation has its event, and no event wraps itself in the old format
        assert {n.replace(".expected.json", ".json") for n in expectations} <= files
        for case in load_events(folder):
            assert not {"event", "expected", "description"} & case.event.keys(), case.name


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"gone.expected.json": {"statusCode": 200}}, "expectations without an event file"),
        ({"old.json": {"event": {}, "expected": {"statusCode": 200}}}, "wraps its event"),
    ],
)
def test_a_directory_that_cannot_be_paired_is_refused(
    tmp_path: Path, files: dict[str, Any], message: str
) -> None:
    # GIVEN an expectation whose event is missing, or a file in the old wrapped format
    for name, content in files.items():
        (tmp_path / name).write_text(json.dumps(content))
    # WHEN loaded THEN the error says what is wrong instead of replaying something else
    with pytest.raises(EventFileError, match=message):
        load_events(tmp_path)


def test_an_expectation_file_is_not_replayed_as_an_event() -> None:
    # GIVEN an expectation file named directly WHEN loaded THEN the error points at the event
    with pytest.raises(EventFileError, match="replay its event file instead"):
        load_event(EVENTS / "alb-predict.expected.json")


def test_response_body_decodes_base64_and_json() -> None:
    # GIVEN a base64 response body, a plain JSON one and a plain text one
    encoded = {"body": base64.b64encode(b'{"a": 1}').decode(), "isBase64Encoded": True}
    # WHEN decoded THEN JSON is parsed and text is left as text
    assert response_body(encoded) == {"a": 1}
    assert response_body({"body": '{"a": 2}'}) == {"a": 2}
    assert response_body({"body": "Internal Server Error"}) == "Internal Server Error"


def test_response_headers_reads_single_and_multi_value_shapes() -> None:
    # GIVEN an ALB multi-value response and an API Gateway single-value one
    multi = {"multiValueHeaders": {"X-Request-Id": ["abc"], "vary": ["a", "b"]}}
    single = {"headers": {"Content-Type": "application/json"}}
    # WHEN read THEN names are lower-cased and multiple values joined
    assert response_headers(multi) == {"x-request-id": "abc", "vary": "a,b"}
    assert response_headers(single) == {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("actual", "expected", "ok"),
    [
        ({"a": 1, "b": 2}, {"a": 1}, True),  # objects match partially
        ({"a": 1}, {"a": 2}, False),
        ({"a": 1}, {"b": 1}, False),  # a named key must be present
        ([1, 2], [1, 2], True),
        ([1, 2], [1], False),  # lists match in full
        ("positive", {"$oneOf": ["positive", "neutral"]}, True),
        ("negative", {"$oneOf": ["positive", "neutral"]}, False),
        ("Unknown model 'x'", {"$contains": "Unknown model"}, True),
        (3, {"$contains": "3"}, False),
        (0.5, {"$type": "number"}, True),
        (True, {"$type": "number"}, False),  # JSON booleans are not numbers
        ("0.5", {"$type": "number"}, False),
        ({"x": 1}, {"$type": "object"}, True),
    ],
)
def test_matches(actual: Any, expected: Any, ok: bool) -> None:
    # GIVEN an actual value and an expectation WHEN matched THEN it passes exactly when it should
    assert (matches(actual, expected) == []) is ok


def test_compare_names_every_difference() -> None:
    # GIVEN a 422 response where a 200 with a positive sentiment and an echoed id was expected
    response = {"statusCode": 422, "body": '{"detail": []}', "headers": {"x-request-id": "b"}}
    expected = {
        "statusCode": 200,
        "body": {"sentiment": "positive"},
        "headers": {"x-request-id": "a"},
    }
    # WHEN compared THEN status, body field and header are each reported
    problems = compare(response, expected)
    assert len(problems) == 3
    assert any("statusCode" in p for p in problems)
    assert any("body.sentiment: missing" in p for p in problems)
    assert any("headers.x-request-id" in p for p in problems)


def test_the_emulator_explains_a_missing_binary(tmp_path: Path) -> None:
    # GIVEN no emulator binary WHEN started THEN the error says how to get one
    with pytest.raises(FileNotFoundError, match="make rie"), Emulator(rie=tmp_path / "missing"):
        pass
