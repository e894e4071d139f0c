"""The Lambda entry point invoked in-process: every sample HTTP event in events/ through
`handlers.lambda_function.handler` with a fake context, answered as its expectation says.

The real-emulator replay of the same events is tests/integration/test_lambda_replay.py.
"""

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.cli.replay import (
    HANDLER,
    LocalLambdaContext,
    compare,
    handler_for,
    load_events,
    response_headers,
)
from handlers.http.app import create_app
from handlers.malformed_events import MALFORMED
from model_build.release.publish import publish
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.lambda_entry import Handler, fresh_entry

EVENTS = Path(__file__).resolve().parents[3] / "events"
CASES = {case.name: case for case in load_events(EVENTS)}


@pytest.fixture(scope="module")
def handler(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path
) -> Iterator[Handler]:
    """The entry module imported afresh over an app serving a store with the session's model,
    as a new execution environment would import it; the previous import is restored after."""
    store = LocalStore(tmp_path_factory.mktemp("lambda-store"))
    publish(sentiment_model_dir, store, alias="production")
    with fresh_entry(create_app(Settings(model_dir=store.root), store)) as entry:
        yield entry


def invoke(handler: Handler, name: str) -> dict[str, Any]:
    assert handler_for(name) == HANDLER, f"{name} is not an HTTP event"
    return handler(CASES[name].event, LocalLambdaContext())


@pytest.mark.parametrize("name", list(CASES))
def test_each_event_gets_its_expected_response(handler: Handler, name: str) -> None:
    # GIVEN a sample event and its expectation WHEN invoked in-process
    response = invoke(handler, name)
    # THEN the response matches the expectation
    assert compare(response, CASES[name].expected or {}) == []


def test_every_event_has_an_expectation() -> None:
    assert [name for name, case in CASES.items() if not case.expected] == []


def test_alb_multi_value_events_get_multi_value_responses(handler: Handler) -> None:
    # GIVEN ALB events with and without multi-value headers WHEN invoked
    multi, single = invoke(handler, "alb-multi-value-predict"), invoke(handler, "alb-predict")
    # THEN each response uses the request's shape (ALB rejects the other one)
    assert "multiValueHeaders" in multi and "headers" not in multi
    assert "headers" in single and "multiValueHeaders" not in single


def test_api_gateway_request_id_stands_in_when_no_header_carries_one(handler: Handler) -> None:
    for name in ("apigw-v1-health-request-id", "apigw-v2-health-request-id"):
        response = invoke(handler, name)
        request_id = CASES[name].event["requestContext"]["requestId"]
        assert response_headers(response)["x-request-id"] == request_id


def malformed(name: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    event = copy.deepcopy(CASES[name].event)
    change(event)
    return event


@pytest.mark.parametrize("name", ["apigw-v2-predict", "apigw-v1-predict", "alb-predict"])
@pytest.mark.parametrize(
    "change",
    [
        lambda event: event.update(isBase64Encoded=True, body="!!not base64"),
        lambda event: event.update(body={"text": "a dict, not a string"}),
        lambda event: [event.pop(key, None) for key in ("headers", "multiValueHeaders")],
    ],
    ids=["bad-base64", "dict-body", "no-headers"],
)
def test_a_malformed_event_gets_a_json_400_not_an_invocation_error(
    handler: Handler, name: str, change: Callable[[dict[str, Any]], None]
) -> None:
    response = handler(malformed(name, change), LocalLambdaContext())
    # Some are readable after all (API Gateway without headers): never an error of ours.
    assert response["statusCode"] in (200, 400), response
    if response["statusCode"] == 400:
        assert json.loads(response["body"]) == {"detail": MALFORMED}
