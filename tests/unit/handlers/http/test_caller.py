"""Who is calling and which models it may be told of: everyone's under AUTH_MODE=none, under
keys only those its key may use, none for an anonymous probe."""

from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request

from handlers.http.caller import CLIENT, client_of, may_see
from shared.auth.keys import ClientRecord


def request(auth: Any, client: ClientRecord | None) -> Request:
    app = FastAPI()
    app.state.auth = auth
    scope: dict[str, Any] = {"type": "http", "app": app, "state": {}}
    if client is not None:
        scope["state"][CLIENT] = client
    return Request(scope)


def test_without_auth_every_caller_may_see_every_model() -> None:
    anyone = request(auth=None, client=None)
    assert client_of(anyone) is None
    assert may_see(anyone, "fraud") and may_see(anyone, "churn")


def test_under_keys_a_client_sees_what_its_key_may_use() -> None:
    keys = SimpleNamespace()  # stands for the key service: only its presence matters here
    fraud_only = ClientRecord(name="bank", models=["fraud"])
    caller = request(keys, fraud_only)
    assert client_of(caller) is fraud_only
    assert may_see(caller, "fraud") and not may_see(caller, "churn")
    assert may_see(request(keys, ClientRecord(name="ops")), "churn")  # no list: every model


def test_under_keys_an_anonymous_probe_learns_of_no_model() -> None:
    probe = request(SimpleNamespace(), client=None)
    assert client_of(probe) is None
    assert not may_see(probe, "fraud")
