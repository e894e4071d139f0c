"""The Lambda entry enforces client keys as the container does (AUTH_MODE=keys): the same app
behind Mangum, so the same 401 / 403 / 200, on ALB and API Gateway events."""

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.cli import keys_admin
from handlers.cli.replay import LocalLambdaContext, load_event, response_body, response_headers
from handlers.http.app import create_app
from model_build.release.publish import publish
from shared.auth.keys import ClientRecord
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.lambda_entry import Handler, fresh_entry

EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.fixture(scope="module")
def keyed(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path
) -> Iterator[tuple[Handler, str]]:
    """The entry imported afresh over an app with AUTH_MODE=keys and one client allowed the
    sentiment model; the previous import is restored after."""
    store = LocalStore(tmp_path_factory.mktemp("lambda-keys"))
    publish(sentiment_model_dir, store, alias="production")
    key = keys_admin.create(store, ClientRecord(name="acme", models=["sentiment"]))
    with fresh_entry(create_app(Settings(model_dir=store.root, auth_mode="keys"), store)) as entry:
        yield entry, key


def with_header(name: str, header: str | None, value: str = "") -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(load_event(EVENTS / f"{name}.json").event)
    if header is not None:
        event["headers"][header] = value
    return event


@pytest.mark.parametrize("name", ["alb-predict", "apigw-v1-predict", "apigw-v2-predict"])
def test_a_prediction_needs_a_valid_key(keyed: tuple[Handler, str], name: str) -> None:
    handler, key = keyed
    # GIVEN no key THEN 401 with WWW-Authenticate, as over HTTP
    missing = handler(with_header(name, None), LocalLambdaContext())
    assert missing["statusCode"] == 401
    assert "www-authenticate" in response_headers(missing)
    # GIVEN a wrong key THEN 401; GIVEN the client's key THEN the prediction
    wrong = handler(with_header(name, "authorization", "Bearer nope"), LocalLambdaContext())
    assert wrong["statusCode"] == 401
    good = handler(with_header(name, "authorization", f"Bearer {key}"), LocalLambdaContext())
    assert good["statusCode"] == 200
    assert response_body(good)["sentiment"] in {"positive", "negative", "neutral"}


def test_health_stays_open_for_the_load_balancer(keyed: tuple[Handler, str]) -> None:
    handler, _ = keyed
    assert handler(with_header("alb-health", None), LocalLambdaContext())["statusCode"] == 200
