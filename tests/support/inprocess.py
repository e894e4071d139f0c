"""The fast in-process tier: Starlette's TestClient, an app serving a given store, that store.

Starlette 1.x warns on import that it would rather drive `httpx2`, which is not one of our
dependencies; with warnings as errors that import would fail, so the warning is silenced here
and only here. The client works the same with `httpx`.
"""

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

from handlers.http.app import create_app
from model_build.examples.train_risk import train_risk
from model_build.release.publish import publish
from shared.settings import Settings
from shared.store.local import LocalStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


@contextmanager
def serving(store: LocalStore, timeout: float = 60, **settings: Any) -> Iterator[TestClient]:
    """The app with its lifespan running over `store`, once every model in it is loaded."""
    app = create_app(Settings(model_dir=store.root, **settings), store)
    with TestClient(app) as client:
        deadline = time.monotonic() + timeout
        expected = set(store.model_names())
        while set(app.state.registry.served_names()) != expected:
            assert time.monotonic() < deadline, f"models not loaded within {timeout} s"
            time.sleep(0.05)
        yield client


def two_model_store(root: Path, sentiment_model_dir: Path) -> LocalStore:
    """A store serving the sentiment model and a freshly trained tabular risk model."""
    store = LocalStore(root / "store")
    publish(sentiment_model_dir, store)
    train_risk(root / "risk")
    publish(root / "risk", store)
    return store


__all__ = ["TestClient", "serving", "two_model_store"]
