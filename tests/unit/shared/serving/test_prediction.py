"""The prediction path without an event loop (bulk jobs): each item answered or refused alone."""

import pytest

from shared.serving.loaded_model import LoadedModel
from shared.serving.prediction import ItemError, predict_each, validate_each
from shared.serving.registry import ModelRegistry
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.fragile import raise_on_poison


@pytest.fixture
def model(local_store: LocalStore) -> LoadedModel:
    registry = ModelRegistry(local_store, Settings(model_dir=local_store.root))
    assert registry.refresh()
    return registry.default()


def test_validation_answers_each_item_by_its_index(model: LoadedModel) -> None:
    checked = validate_each(model, [{"text": "fine"}, {"text": ""}, 7], max_text_length=100)
    assert [index for index, _ in checked.valid] == [0] and checked.values() == ["fine"]
    assert [index for index, _ in checked.invalid] == [1, 2]


def test_a_bad_item_is_an_error_and_its_neighbours_are_answered(
    model: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a model that raises on one text, and an item that fails validation
    raise_on_poison(model, monkeypatch)
    items = [{"text": "great"}, {"text": "poison"}, {"text": ""}, {"text": "awful"}]
    # WHEN each is predicted
    outcomes = predict_each(model, items, max_text_length=100)
    # THEN the two bad ones are errors in place, and the others are answered
    assert [isinstance(outcome, ItemError) for outcome in outcomes] == [False, True, True, False]
    assert outcomes[1] == ItemError([{"loc": [], "msg": "prediction failed: RuntimeError: cannot"}])
    refused = outcomes[2]
    assert isinstance(refused, ItemError) and refused.error[0]["loc"] == ["body", "text"]
