"""The fast lane answers exactly as the routes do: the same status and body for every request,
whichever path it takes; a request the route must judge reaches the route."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer

from handlers.http import fast_lane
from model_build.examples.train_risk import FEATURE_COUNT
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient, serving

TEXT_LIMIT = 5000
PATHS = ("/predict", "/models/sentiment/predict", "/models/risk/predict")
_CELLS = load_breast_cancer()
RISK_ITEM = {  # the first sample, as the risk model's input (model_build/examples/train_risk.py)
    str(name).replace(" ", "_"): float(value)
    for name, value in zip(_CELLS.feature_names[:FEATURE_COUNT], _CELLS.data[0], strict=False)
}
Request = tuple[bytes, dict[str, str]]
JSON = {"content-type": "application/json"}

EDGE_BODIES: tuple[Any, ...] = (
    {"text": "The support team was wonderful"},
    {"text": ""},
    {"text": "   "},
    {"text": 5},
    {"text": "x" * (TEXT_LIMIT + 1)},
    {"text": "fine", "extra": 1},
    {"text": "fine", "metadata": None},
    {"text": "fine", "metadata": {"ticket": "T-1"}},
    {"text": "fine", "metadata": {"bad key!": 1}},
    {"instances": [{"text": "good"}, {"text": "awful"}]},
    {"instances": [{"text": "good"}, {"text": 3}]},
    {"instances": []},
    RISK_ITEM,
    {**RISK_ITEM, "mean_radius": "large"},
    {"instances": [RISK_ITEM, RISK_ITEM]},
    {},
    [],
    "text",
    None,
)
REQUESTS: list[Request] = [(json.dumps(body).encode(), JSON) for body in EDGE_BODIES] + [
    (b'{"text": "unfinished', JSON),
    (b"[" * 5000 + b"]" * 5000, JSON),
    (b'{"text": "x", "n": ' + b"9" * 5000 + b"}", JSON),
    (b"", JSON),
    (b'{"text": "caf\xe9"}', JSON),
    (b'{"text": "fine"}', {"content-type": "text/plain"}),
    (b'{"text": "fine"}', {}),
    (b'{"text": "fine"}', {**JSON, "x-reference": "TICKET-42"}),
    (b'{"text": "fine"}', {**JSON, "x-reference": " padded "}),
    (b'{"text": "fine"}', {**JSON, "x-reference": "r" * 129}),
]


@pytest.fixture(scope="module")
def clients(served_store: LocalStore) -> Iterator[tuple[TestClient, TestClient]]:
    """The app with its fast lane, and the same app whose routes answer everything."""
    with serving(served_store, max_text_length=TEXT_LIMIT) as with_lane:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fast_lane, "_LANES", {})
            with serving(served_store, max_text_length=TEXT_LIMIT) as routes_only:
                routes_only.get("/health")  # the admission stage reads the lanes once, now
        yield with_lane, routes_only


def answers(client: TestClient, path: str, request: Request) -> tuple[int, Any]:
    body, headers = request
    response = client.post(path, content=body, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("request_", REQUESTS, ids=range(len(REQUESTS)))
def test_the_lane_answers_as_the_route_does(
    clients: tuple[TestClient, TestClient], path: str, request_: Request
) -> None:
    with_lane, routes_only = clients
    assert answers(with_lane, path, request_) == answers(routes_only, path, request_)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"text": st.text(max_size=40)}, optional={"metadata": JSON_VALUES}),
    st.fixed_dictionaries({key: JSON_VALUES | st.just(value) for key, value in RISK_ITEM.items()}),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), body=BODIES)
def test_any_json_body_gets_the_routes_answer(
    clients: tuple[TestClient, TestClient], path: str, body: Any
) -> None:
    with_lane, routes_only = clients
    request_ = (json.dumps(body).encode(), JSON)
    assert answers(with_lane, path, request_) == answers(routes_only, path, request_)


def test_a_plain_text_takes_the_lane_and_a_body_with_metadata_the_route(
    clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_lane, _ = clients
    handed_to_route: list[bytes] = []
    replayed = fast_lane._replayed

    def spy(body: bytes, receive: Any) -> Any:
        handed_to_route.append(body)
        return replayed(body, receive)

    monkeypatch.setattr(fast_lane, "_replayed", spy)
    assert with_lane.post("/predict", json={"text": "lovely"}).status_code == 200
    assert with_lane.post("/models/risk/predict", json=RISK_ITEM).status_code == 200
    assert handed_to_route == []
    with_metadata = {"text": "lovely", "metadata": {"ticket": "T-7"}}
    assert with_lane.post("/predict", json=with_metadata).status_code == 200
    assert len(handed_to_route) == 1
