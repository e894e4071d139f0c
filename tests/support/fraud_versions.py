"""Versions of the card-fraud forest for rollout tests: production, a candidate that agrees
with it (another seed of the same day) and one that disagrees (trained on flipped labels)."""

import json
from pathlib import Path
from typing import Any

from model_build.examples.fraud_feed import day_frame
from model_build.examples.fraud_forest import fit
from model_build.packaging.package import package_model

NAME = "card-fraud"
ROLES = {
    "production": {"seed": 0},
    "agreeing": {"seed": 1},
    "flipped": {"seed": 0, "broken": "flipped"},
}


def build_versions(directory: Path, rows: int = 1500) -> dict[str, Path]:
    """A model directory per role, packaged as `inferno package` would (skops)."""
    built = {}
    for role, options in ROLES.items():
        frame = day_frame(0, rows, **options)  # type: ignore[arg-type]
        package_model(
            fit(frame), frame.head(200), directory / role, name=NAME, label="label", format="skops"
        )
        built[role] = directory / role
    return built


def requests_of(day: int, rows: int, seed: int = 5) -> list[dict[str, Any]]:
    """Transactions as request bodies (JSON types), from a day of the feed."""
    frame = day_frame(day, rows, seed=seed).drop(columns=["label"])
    return [_plain(row) for row in frame.to_dict(orient="records")]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value.item() if hasattr(value, "item") else value for key, value in row.items()}


def version_of(directory: Path) -> str:
    return str(json.loads((directory / "manifest.json").read_text())["version"])
