"""Train a named model into a directory: the entry used by `inferno train`."""

from pathlib import Path

from shared.manifest import ModelManifest


def train_model(model: str, output: Path, max_rows: int | None = None) -> ModelManifest:
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

    return train_sentiment(output, TrainConfig(max_rows=max_rows))
