"""The in-process tier's apps: one store with both model kinds, served with and without loading.

The store is published once per session; each module gets its own app (its own registry thread
and batcher), started by `serving` and stopped when the module ends.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.http.app import create_app
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.inprocess import TestClient, serving, two_model_store

TEXT_LIMIT = 5000


@pytest.fixture(scope="session")
def served_store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> LocalStore:
    """The session's sentiment model and a tabular risk model, published once."""
    return two_model_store(tmp_path_factory.mktemp("served"), sentiment_model_dir)


@pytest.fixture(scope="module")
def served(served_store: LocalStore) -> Iterator[TestClient]:
    """The app over `served_store` with its lifespan running and both models loaded."""
    # The text limit the HTTP tier asserts (as tests/integration/test_http_service.py sets it).
    with serving(served_store, max_text_length=TEXT_LIMIT) as client:
        yield client


@pytest.fixture
def unloaded(served_store: LocalStore) -> TestClient:
    """The same app before its lifespan runs (no `with`): the models are in the store, none is
    loaded. Server exceptions are raised by the client, so nothing may escape the app."""
    settings = Settings(model_dir=served_store.root, max_text_length=TEXT_LIMIT)
    return TestClient(create_app(settings, served_store))
