"""Train a named model into a directory: the entry used by `inferno train`."""

from pathlib import Path
from typing import Any

from shared.manifest import ModelManifest


def train_model(
    model: str,
    output: Path,
    max_rows: int | None = None,
    candidate: str | None = None,
    leave_one_out: bool = False,
) -> ModelManifest:
    if model == "risk":
        from model_build.train_risk import train_risk

        return train_risk(output)
    if model == "progression":
        from model_build.train_progression import train_progression

        return train_progression(output)
    if model == "basket":
        from model_build.train_recommender import train_recommender

        return train_recommender(output)
    if model == "fraud":
        from model_build.train_fraud import train_fraud

        return train_fraud(output)
    from model_build.train_sentiment import TrainConfig, train_sentiment

    config = TrainConfig(max_rows=max_rows, leave_one_out=leave_one_out)
    if candidate:
        config = TrainConfig(max_rows=max_rows, candidate=candidate, leave_one_out=leave_one_out)
    return train_sentiment(output, config)


def compare_sentiment(output: Path, max_rows: int | None = None) -> dict[str, Any]:
    from model_build.compare import compare_candidates
    from model_build.train_sentiment import TrainConfig

    return compare_candidates(output, TrainConfig(max_rows=max_rows))
