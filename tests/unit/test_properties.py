"""Properties over generated inputs (hypothesis): what validation accepts, the model predicts;
whatever the body, the answer is below 500.

The sentiment model is the session's trained one, the risk model is trained here; both are real.
"""

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_build.release.artifacts import read_manifest
from shared.errors import InvalidInput
from shared.kinds.validation import validate_item
from shared.manifest import TabularInputSchema
from shared.serving.loaded_model import LoadedModel, load_verified
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient, serving, two_model_store

MAX_TEXT_LENGTH = 5000
# No example database: the falsifying example is printed, and the shared tree stays clean.
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every code point, lone surrogates included: JSON can carry them as \ud800 escapes.
any_char = st.characters(exclude_categories=())
texts = st.one_of(
    st.text(any_char),
    st.text(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000"), max_size=8),
    st.builds(lambda char, n: char * n, any_char, st.integers(MAX_TEXT_LENGTH - 2, 5002)),
)
numbers = st.one_of(
    st.floats(),
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**1024, 0, -0.0, 1e308, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> LocalStore:
    return two_model_store(tmp_path_factory.mktemp("properties"), sentiment_model_dir)


def load(store: LocalStore, name: str) -> LoadedModel:
    [version] = store.versions(name)
    directory = store.root / name / version
    manifest = read_manifest(directory)
    return load_verified(manifest, (directory / manifest.artifact).read_bytes())


@pytest.fixture(scope="module")
def sentiment(store: LocalStore) -> LoadedModel:
    return load(store, "sentiment")


@pytest.fixture(scope="module")
def risk(store: LocalStore) -> LoadedModel:
    return load(store, "risk")


def tabular_items(model: LoadedModel) -> st.SearchStrategy[Any]:
    """Items around the model's features: each present or not, any number or value, extras."""
    schema = model.manifest.input_schema
    assert isinstance(schema, TabularInputSchema)
    sample = model.manifest.sample.input
    values = st.one_of(numbers, scalars, st.floats(0, 3 * max(abs(v) for v in sample.values())))
    features = st.fixed_dictionaries(
        {}, optional={feature.name: values for feature in schema.features}
    )
    exact = st.fixed_dictionaries({feature.name: values for feature in schema.features})
    return st.one_of(exact, features, st.just(sample), json_values)


def text_items() -> st.SearchStrategy[Any]:
    return st.one_of(st.fixed_dictionaries({"text": texts}), json_values)


def predicts_if_valid(model: LoadedModel, item: Any) -> None:
    try:
        value = validate_item(model.manifest.input_schema, item, MAX_TEXT_LENGTH)
    except InvalidInput:
        return
    [prediction] = model.predict([value])
    assert prediction.label in model.manifest.labels
    assert math.isfinite(prediction.confidence)


@PROPERTY
@given(data=st.data())
def test_any_text_item_validation_accepts_is_predicted(sentiment: LoadedModel, data: Any) -> None:
    predicts_if_valid(sentiment, data.draw(text_items()))


@PROPERTY
@given(data=st.data())
def test_any_tabular_item_validation_accepts_is_predicted(risk: LoadedModel, data: Any) -> None:
    predicts_if_valid(risk, data.draw(tabular_items(risk)))


@pytest.fixture(scope="module")
def api(store: LocalStore) -> Iterator[TestClient]:
    with serving(store, access_log_sample_rate=0.0) as client:
        yield client


ROUTES = [
    "/predict",
    "/models/sentiment/predict",
    "/models/risk/predict",
    "/models/sentiment/predict/batch",
    "/models/risk/predict/batch",
    "/models/unknown/predict",
]


def encoded(value: Any, ascii_only: bool) -> bytes:
    """JSON as a client may send it: escaped, or raw UTF-8 (surrogates left as they are)."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn, risk: LoadedModel) -> bytes:
    items = st.one_of(text_items(), tabular_items(risk))
    batch = st.builds(lambda listed: {"items": listed}, st.lists(items, max_size=5))
    value = draw(st.one_of(items, batch))
    return draw(st.one_of(st.builds(encoded, st.just(value), st.booleans()), st.binary()))


@PROPERTY
@given(data=st.data())
def test_any_body_gets_an_answer_below_500(api: TestClient, risk: LoadedModel, data: Any) -> None:
    path = data.draw(st.sampled_from(ROUTES))
    content_type = data.draw(st.sampled_from([None, "application/json", "text/plain"]))
    body = data.draw(bodies(risk))
    headers = {"content-type": content_type} if content_type else {}
    response = api.post(path, content=body, headers=headers)
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert response.json()["detail"]
