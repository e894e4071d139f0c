"""Fixtures shared by every tier: a trained model, stores, and clean observability state."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_build.publish import publish
from model_build.train_sentiment import TrainConfig, train_sentiment
from shared.observability import logger, metrics
from shared.store.local import LocalStore

# Tests never touch real AWS: fake credentials and a region for boto3 and moto.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("MODEL_BUCKET_NAME", None)

QUICK_ROWS = 6000  # a stratified subset: trains in seconds, still a real pipeline


@pytest.fixture(scope="session")
def sentiment_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real sentiment model trained once per session on a subset of the corpus."""
    directory = tmp_path_factory.mktemp("sentiment-model")
    train_sentiment(directory, TrainConfig(max_rows=QUICK_ROWS, with_vader=False))
    return directory


@pytest.fixture(scope="session")
def sentiment_model_dir_v2(
    tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path
) -> Path:
    """A second, distinct version of the sentiment model (another seed and subset)."""
    directory = tmp_path_factory.mktemp("sentiment-model-v2")
    train_sentiment(directory, TrainConfig(max_rows=QUICK_ROWS + 1000, seed=7, with_vader=False))
    return directory


@pytest.fixture
def local_store(tmp_path: Path, sentiment_model_dir: Path) -> LocalStore:
    """A local store with the sentiment model published under the production alias."""
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    return store


@pytest.fixture
def copy_dir(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "copy"
    yield target
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture(autouse=True)
def reset_observability() -> Iterator[None]:
    """Metrics and log keys are process-wide: start and end every test clean."""
    metrics.drain()
    logger.thread_safe_clear_keys()
    logger.set_correlation_id(None)
    yield
    metrics.drain()
    logger.thread_safe_clear_keys()
    logger.set_correlation_id(None)
