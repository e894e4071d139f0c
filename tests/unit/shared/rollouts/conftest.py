"""Two small card-fraud versions in a local store: production, and a candidate trained on the
same day (agrees) or on flipped labels (disagrees)."""

from pathlib import Path

import pandas as pd
import pytest

from model_build.daily.feed import day_frame
from model_build.examples.fraud_forest import fit
from model_build.packaging.package import package_model
from model_build.publish import publish
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
