"""A random forest over card transactions with categorical columns, logged as an MLflow model.

Seeded synthetic data: the amount, the merchant's category, the card's country, the hour and
whether the card was present; fraud is likelier for large card-absent amounts abroad at night.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

CATEGORIES = ["grocery", "travel", "electronics", "gaming", "fashion"]
COUNTRIES = ["DE", "FR", "GB", "US", "BR"]


@dataclass(frozen=True)
class Traffic:
    """What the transactions look like; another mix is how a drifted week is made (tests)."""

    amount_scale: float = 60.0
    country_weights: tuple[float, ...] = (0.4, 0.2, 0.15, 0.15, 0.1)
    card_present_share: float = 0.6
    night_share: float | None = None  # share of hours 0-5; None: every hour alike


def transactions(rows: int, seed: int = 0, traffic: Traffic = Traffic()) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, traffic.amount_scale, rows).round(2),
            "merchant_category": rng.choice(CATEGORIES, rows),
            "country": rng.choice(COUNTRIES, rows, p=list(traffic.country_weights)),
            "hour": _hours(rng, rows, traffic.night_share),
            "card_present": rng.random(rows) < traffic.card_present_share,
        }
    )
    risk = (
        (frame.amount > 150).astype(float)
        + (~frame.card_present) * 0.8
        + frame.country.isin(["BR", "US"]) * 0.6
        + frame.hour.between(0, 5) * 0.7
        + frame.merchant_category.isin(["electronics", "gaming"]) * 0.5
    )
    fraud = risk + rng.normal(0, 0.4, rows) > 2.2
    frame["label"] = np.where(fraud, "fraud", "legit")
    return frame


def _hours(rng: np.random.Generator, rows: int, night_share: float | None) -> np.ndarray:
    if night_share is None:
        return rng.integers(0, 24, rows)
    night = rng.random(rows) < night_share
    return np.where(night, rng.integers(0, 6, rows), rng.integers(6, 24, rows))


def fit(data: pd.DataFrame) -> Pipeline:
    """The forest, fitted on `data` (its `label` column is the target)."""
    features, labels = data.drop(columns=["label"]), data["label"]
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["merchant_category", "country"]),
        remainder="passthrough",
    )
    model = make_pipeline(encode, RandomForestClassifier(60, max_depth=10, random_state=0))
    model.fit(features, labels)
    return model


def main(output: Path) -> None:
    import mlflow.sklearn
    from mlflow.models import infer_signature

    data = transactions(6000)
    features = data.drop(columns=["label"])
    model = fit(data)
    output.mkdir(parents=True, exist_ok=True)
    example = features.head(5)
    mlflow.sklearn.save_model(
        model,
        output / "mlflow-model",
        signature=infer_signature(example, model.predict(example)),
        input_example=example,
        # MLflow saves scikit-learn models with skops and asks which types to trust.
        skops_trusted_types=["sklearn.tree._tree.Tree"],
    )
    transactions(300, seed=1).to_csv(output / "sample.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
