"""Answers reach their listeners once per request, with what was asked and answered; a listener
that fails costs the client nothing."""

from typing import Any

from shared.observability import metric_names, metrics
from shared.serving.answers import Answer
from shared.store.local import LocalStore
from tests.support.inprocess import serving


def test_every_prediction_route_publishes_its_answer_once(local_store: LocalStore) -> None:
    heard: list[Answer] = []
    with serving(local_store) as client:
        client.app.state.answers.add(heard.append)  # type: ignore[attr-defined]
        client.post("/predict", json={"text": "I love it"}, headers={"X-Request-Id": "r-1"})
        client.post("/models/sentiment/predict", json={"instances": [{"text": "a"}, {"text": "b"}]})
        batch = {"items": [{"text": "fine"}, {"text": ""}, {"text": "awful"}]}
        client.post("/models/sentiment/predict/batch", json=batch)
    assert [len(a.items) for a in heard] == [1, 2, 2]  # the invalid batch item is not answered
    first = heard[0]
    assert (first.model, first.kind, first.request_id, first.client) == (
        "sentiment",
        "classification",
        "r-1",
        None,
    )
    assert len(first.items) == len(first.outputs) == 1
    assert first.outputs[0].label in {"positive", "negative", "neutral"}  # type: ignore[attr-defined]


def test_a_failing_listener_is_counted_and_the_answer_stands(local_store: LocalStore) -> None:
    def broken(answer: Answer) -> Any:
        raise RuntimeError("listener bug")

    metrics.drain()
    with serving(local_store) as client:
        client.app.state.answers.add(broken)  # type: ignore[attr-defined]
        response = client.post("/predict", json={"text": "I love it"})
        documents = metrics.drain()  # before shutdown flushes them to stdout
    assert response.status_code == 200
    failures = [d for d in documents if metric_names.ANSWER_LISTENER_FAILURE.name in d]
    assert failures
