"""Two small card-fraud versions in a local store: production, and a candidate trained on the
same day (agrees) or on flipped labels (disagrees)."""

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model_build.daily.feed import day_frame
from model_build.examples.fraud_forest import fit
from model_build.packaging.package import package_model
from model_build.publish import publish
from shared.rollouts.service import Rollouts
from shared.serving.answers import Answer
from shared.serving.loaded_model import LoadedModel
from shared.serving.versions import load_version
from shared.settings import Settings, get_settings
from shared.store.local import LocalStore

NAME = "card-fraud"


def _version(tmp: Path, frame: pd.DataFrame, folder: str) -> str:
    manifest = package_model(
        fit(frame), frame.head(200), tmp / folder, name=NAME, label="label", format="skops"
    )
    return manifest.version


@pytest.fixture(scope="session")
def fraud_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A store template holding production, an agreeing and a disagreeing candidate."""
    tmp = tmp_path_factory.mktemp("rollout-versions")
    frames = {
        "production": day_frame(0, 1500),
        "agreeing": day_frame(0, 1500, seed=1),
        "flipped": day_frame(0, 1500, broken="flipped"),
    }
    store = LocalStore(tmp / "store")
    versions = {}
    for role, frame in frames.items():
        versions[role] = _version(tmp, frame, role)
        publish(tmp / role, store, alias="production" if role == "production" else None)
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
def transactions() -> list[dict[str, object]]:
    frame = day_frame(5, 300).drop(columns=["label"])
    return [
        {key: (value.item() if hasattr(value, "item") else value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


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
