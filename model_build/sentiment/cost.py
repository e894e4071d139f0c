"""What a model costs to serve, measured on the real artifact through the serving load path and
with scikit-learn set as the service's inference threads set it: the cost as served."""

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sklearn

from model_build.release.artifacts import read_manifest
from shared.serving.loaded_model import LoadedModel, load_verified, serving_config

BATCH_SIZES = (1, 64)
REPEATS = 5  # the median of several passes: the machine is shared


@dataclass(frozen=True)
class ServingCost:
    artifact_bytes: int
    load_seconds: float
    per_text_us: dict[str, dict[int, float]]  # text set -> batch size -> µs per text


def load_model_dir(directory: Path) -> tuple[LoadedModel, float]:
    """Hash, type allowlist, skops load and sample check, exactly as the server does."""
    manifest = read_manifest(directory)
    artifact = (directory / manifest.artifact).read_bytes()
    started = time.perf_counter()
    model = load_verified(manifest, artifact)
    return model, time.perf_counter() - started


def per_text_us(model: LoadedModel, texts: Sequence[str], batch: int) -> float:
    """Median over passes of (time to predict every text in calls of `batch`) / texts."""
    calls = [list(texts[i : i + batch]) for i in range(0, len(texts) - batch + 1, batch)]
    model.predict(calls[0])  # warm caches before timing
    passes = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for call in calls:
            model.predict(call)
        passes.append((time.perf_counter() - started) / (len(calls) * batch))
    return round(statistics.median(passes) * 1e6, 1)


def serving_cost(directory: Path, text_sets: Mapping[str, Sequence[str]]) -> ServingCost:
    model, load_seconds = load_model_dir(directory)
    with sklearn.config_context():  # restores training's settings after the serving ones
        serving_config()
        return ServingCost(
            artifact_bytes=model.size_bytes,
            load_seconds=round(load_seconds, 2),
            per_text_us={
                name: {batch: per_text_us(model, texts, batch) for batch in BATCH_SIZES}
                for name, texts in text_sets.items()
            },
        )
