"""The three example models, trained once for the kinds' unit tests (seconds each)."""

from pathlib import Path

import pytest

from model_build.examples.train_basket import train_basket
from model_build.examples.train_fraud import train_fraud
from model_build.examples.train_progression import train_progression
from model_build.release.artifacts import read_manifest
from shared.serving.loaded_model import LoadedModel, load_verified


def _load(directory: Path) -> LoadedModel:
    manifest = read_manifest(directory)
    return load_verified(manifest, (directory / manifest.artifact).read_bytes())


@pytest.fixture(scope="session")
def progression_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("progression")
    train_progression(directory)
    return directory


@pytest.fixture(scope="session")
def basket_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("basket")
    train_basket(directory)
    return directory


@pytest.fixture(scope="session")
def fraud_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fraud")
    train_fraud(directory)
    return directory


@pytest.fixture
def progression(progression_dir: Path) -> LoadedModel:
    return _load(progression_dir)


@pytest.fixture
def basket(basket_dir: Path) -> LoadedModel:
    return _load(basket_dir)


@pytest.fixture
def fraud(fraud_dir: Path) -> LoadedModel:
    return _load(fraud_dir)
