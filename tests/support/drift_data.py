"""The two models the drift tests watch, and the traffic of their weeks, all seeded: the
sentiment model's texts come from the corpus rows its training never drew (calm) or are shouted
complaints (drifted); the fraud forest's transactions from its own generator, with another mix
for the drifted week."""

from typing import Any

from model_build.examples.fraud_forest import Traffic, fit, transactions
from model_build.packaging import package_model
from shared.manifest import ModelManifest

FRAUD_NAME = "fraud-forest"
# Bigger amounts, abroad, card absent, at night: a week of a card-testing attack.
ATTACK = Traffic(
    amount_scale=180.0,
    country_weights=(0.05, 0.05, 0.1, 0.4, 0.4),
    card_present_share=0.2,
    night_share=0.6,
)


def package_fraud_forest(output: Any) -> ModelManifest:
    """The example's forest, packaged with a 2,000-row sample: that sample is its reference."""
    model = fit(transactions(6000))
    sample = transactions(2000, seed=1)
    return package_model(model, sample, output, name=FRAUD_NAME, label="label", format="skops")


ORDINARY = Traffic()


def fraud_week(rows: int, seed: int, traffic: Traffic = ORDINARY) -> tuple[list[Any], list[Any]]:
    """Request objects (plain Python values) and their true labels."""
    frame = transactions(rows, seed=seed, traffic=traffic)
    features = frame.drop(columns=["label"]).to_dict("records")
    items = [
        {key: getattr(v, "item", lambda v=v: v)() for key, v in row.items()} for row in features
    ]
    return items, list(frame["label"])


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value  # numpy scalar -> Python


def unseen_corpus_texts(
    rows: int, seed: int, trained_rows: int, train_seed: int
) -> tuple[list[str], list[str]]:
    """Corpus texts outside the subset a quick model was trained and tested on, in the same mix
    of sources and labels: what ordinary traffic looks like to it."""
    from model_build.sentiment.corpus import (
        deduplicate,
        drop_small_sources,
        load_all_sources,
        subsample,
    )

    unique, _ = deduplicate(load_all_sources())
    unique, _ = drop_small_sources(unique)
    seen = set(subsample(unique, trained_rows, train_seed).texts)
    rest = unique.take(i for i, text in enumerate(unique.texts) if text not in seen)
    chosen = subsample(rest, rows, seed)
    return list(chosen.texts), [str(label) for label in chosen.labels]
