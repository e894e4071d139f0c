"""Classification: the kind a manifest from before kinds gets."""

import json
from pathlib import Path

from shared.manifest import ModelManifest


def test_a_manifest_from_before_kinds_is_a_classifier(sentiment_model_dir: Path) -> None:
    data = json.loads((sentiment_model_dir / "manifest.json").read_text())
    data.pop("kind", None)
    data.pop("options", None)
    assert ModelManifest.model_validate(data).kind == "classification"
