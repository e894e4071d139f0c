"""Every model `inferno train` makes, by name: the one list the CLI's `--model` choices (and so
`make train`) are read from. Adding a model is its trainer module plus one line here.

Only names are held, so the CLI can list them without loading scikit-learn: a trainer's module is
imported when its model is trained."""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model_build.retrain import Retrainer
    from shared.manifest import ModelManifest

# also the one model with options (--max-rows, --candidate, --leave-one-out)
DEFAULT_MODEL = "sentiment"

# name -> "module.function" that trains it into an output directory
TRAINERS: dict[str, str] = {
    "sentiment": "model_build.sentiment.train_sentiment.train_sentiment",
    "risk": "model_build.examples.train_risk.train_risk",
    "progression": "model_build.examples.train_progression.train_progression",
    "basket": "model_build.examples.train_basket.train_basket",
    "fraud": "model_build.examples.train_fraud.train_fraud",
}


# name -> "module.attribute" of its Retrainer: the models `inferno retrain` (the daily pipeline,
# model_build/retrain.py) retrains from a feed.
RETRAINERS: dict[str, str] = {
    "card-fraud": "model_build.examples.fraud_feed.RETRAINER",
}


def retrainer(model: str) -> "Retrainer":
    module, attribute = RETRAINERS[model].rsplit(".", 1)
    found: Retrainer = getattr(importlib.import_module(module), attribute)
    return found


def trainer(model: str) -> "Callable[..., ModelManifest]":
    module, function = TRAINERS[model].rsplit(".", 1)
    found: Callable[..., ModelManifest] = getattr(importlib.import_module(module), function)
    return found


def train_model(
    model: str,
    output: Path,
    max_rows: int | None = None,
    candidate: str | None = None,
    leave_one_out: bool = False,
) -> "ModelManifest":
    if model != DEFAULT_MODEL:
        return trainer(model)(output)
    from model_build.sentiment.train_sentiment import TrainConfig

    config = TrainConfig(max_rows=max_rows, leave_one_out=leave_one_out)
    if candidate:
        config = TrainConfig(max_rows=max_rows, candidate=candidate, leave_one_out=leave_one_out)
    return trainer(model)(output, config)


def compare_sentiment(output: Path, max_rows: int | None = None) -> dict[str, Any]:
    from model_build.sentiment.compare import compare_candidates
    from model_build.sentiment.train_sentiment import TrainConfig

    return compare_candidates(output, TrainConfig(max_rows=max_rows))
