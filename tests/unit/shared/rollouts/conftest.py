"""Two small card-fraud versions in a local store: production, and a candidate trained on the
same day (agrees) or on flipped labels (disagrees)."""

from pathlib import Path
from typing import Any

import pytest

from model_build.release.publish import publish
from shared.rollouts.service import Rollouts
from shared.serving.answers import Answer
from shared.serving.loaded_model import LoadedModel
from shared.serving.versions import load_version
from shared.settings import Settings, get_settings
from shared.store.local import LocalStore
from tests.support.fraud_versions import NAME, build_versions, requests_of, version_of


@pytest.fixture(scope="session")
def fraud_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A store template holding production, an agreeing and a disagreeing candidate."""
    tmp = tmp_path_factory.mktemp("rollout-versions")
    store = LocalStore(tmp / "store")
    versions = {}
    for role, directory in build_versions(tmp).items():
        versions[role] = version_of(directory)
        publish(directory, store, alias="production" if role == "production" else None)
    return tmp / "store", versions


@pytest.fixture
def fraud_store(fraud_versions: tuple[Path, dict[str, str]], tmp_path: Path) -> LocalStore:
    import shutil

    template, _ = fraud_versions
    shutil.copytree(template, tmp_path / "store")
    return LocalStore(tmp_path / "store")


@pytest.fixture
def versions(fraud_versions: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return fraud_versions[1]


@pytest.fixture
def transactions() -> list[dict[str, Any]]:
    return requests_of(5, 300)


def rollouts_on(
    store: LocalStore, settings: Settings | None = None
) -> tuple[Rollouts, LoadedModel]:
    settings = settings or get_settings()
    production = load_version(store, NAME, store.alias_version(NAME, "production"), settings)
    rollouts = Rollouts(store, settings, lambda name: production, lambda: [NAME])
    rollouts.refresh()
    return rollouts, production


def answer_of(model: LoadedModel, transactions: list[dict[str, Any]]) -> Answer:
    items = [model.kind.validate(model.manifest, row, 1000) for row in transactions]
    return Answer(
        model=NAME,
        version=model.version,
        kind=model.manifest.kind,
        items=items,
        outputs=model.kind.predict(model, items),
        client=None,
        request_id=None,
    )


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    for version in ("v1", "v2"):
        store.write(f"fraud/{version}/manifest.json", b"{}")
    store.set_alias("fraud", "production", "v1")
    return store
