"""An anomaly scorer for card fraud, on seeded synthetic transactions.

No fraud data set ships in a package we can reach (the public ones download), so transactions
are generated, seeded, by `transactions`: ordinary ones are daytime, near home, tens of dollars,
a few a day; about 2% are fraud: large, at night, far from home, in bursts, at riskier
merchants. The model never sees the fraud labels: an IsolationForest learns what ordinary looks
like, and the threshold flags the strangest FLAG_SHARE of training traffic. Baseline: a fixed rule
that flags the same share by amount alone.
"""

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from model_build.examples import tabular
from shared.manifest import FeatureSpec, ModelManifest, SampleCheck, TabularInputSchema

ROWS = 20_000
FRAUD_SHARE = 0.02
FLAG_SHARE = 0.02
FEATURES = [
    FeatureSpec(name="amount", minimum=0.0, maximum=100_000.0, description="US dollars"),
    FeatureSpec(name="hour", type="int", minimum=0, maximum=23, description="local hour"),
    FeatureSpec(name="distance_km", minimum=0.0, maximum=20_000.0, description="from home"),
    FeatureSpec(name="transactions_24h", type="int", minimum=0, maximum=1000),
    FeatureSpec(name="merchant_risk", minimum=0.0, maximum=1.0, description="0 safe, 1 risky"),
]
COLUMNS = {
    "ROC-AUC": "roc_auc",
    "precision": "precision",
    "recall": "recall",
    "F1": "f1",
    "flagged share": "flagged_share",
}


def transactions(seed: int, rows: int = ROWS) -> tuple[Any, Any]:
    """Features (in FEATURES order) and the fraud labels (1 = fraud), seeded."""
    rng = np.random.default_rng(seed)
    fraud = rng.random(rows) < FRAUD_SHARE
    n = int(fraud.sum())
    x = np.column_stack(
        [
            rng.lognormal(3.5, 0.8, rows),
            np.clip(rng.normal(14, 4, rows).round(), 0, 23),
            rng.lognormal(1.5, 1.0, rows),
            rng.poisson(3, rows),
            rng.beta(2, 5, rows),
        ]
    )
    x[fraud] = np.column_stack(
        [
            rng.lognormal(5.5, 1.0, n),
            rng.integers(0, 6, n),
            rng.lognormal(5.0, 1.0, n),
            rng.poisson(10, n),
            rng.beta(5, 2, n),
        ]
    )
    return x.round(4), fraud.astype(int)


def train_fraud(output_dir: Path, seed: int = tabular.SEED) -> ModelManifest:
    x, y = transactions(seed)
    (train_x, test_x), (_, test_y) = tabular.in_order(x), tabular.in_order(y)
    model = IsolationForest(n_estimators=100, random_state=seed).fit(train_x)
    train_scores = -model.score_samples(train_x)
    threshold = round(float(np.quantile(train_scores, 1 - FLAG_SHARE)), 6)
    amount_cut = float(np.quantile(train_x[:, 0], 1 - FLAG_SHARE))
    test_scores = -model.score_samples(test_x)
    scores = {
        "model": _scores(test_y, test_scores, test_scores >= threshold),
        "baseline (amount rule)": _scores(test_y, test_x[:, 0], test_x[:, 0] >= amount_cut),
    }
    names = [feature.name for feature in FEATURES]
    flagged = int(np.argmax(test_scores))  # the sample: the strangest test transaction
    sample = dict(zip(names, (float(v) for v in test_x[flagged]), strict=True))
    [sample_score] = -model.score_samples(np.array([[sample[n] for n in names]]))
    return tabular.write_example(
        output_dir,
        name="fraud",
        task="tabular-anomaly",
        estimator=model,
        input_schema=TabularInputSchema(features=FEATURES),
        sample=SampleCheck(
            input=sample,
            expected={
                "score": round(float(sample_score), 6),
                "anomaly": bool(sample_score >= threshold),
            },
        ),
        metrics=tabular.against_baseline(
            scores,
            threshold=threshold,
            split={"rows": ROWS, "test_rows": len(test_y), "seed": seed},
            dataset="synthetic, seeded: model_build.examples.train_fraud.transactions",
        ),
        reference_inputs=tabular.feature_rows(FEATURES, test_x),
        description="How unusual a card transaction is (higher is stranger), flagged past "
        "the threshold: a fraud screen that needs no fraud labels.",
        report=lambda directory: tabular.write_table(
            directory, "Fraud anomaly scorer, held-out transactions", scores, COLUMNS
        ),
        summary=str(scores["model"]),
        options={"threshold": threshold},
    )


def _scores(truth: Any, score: Any, flagged: Any) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, flagged.astype(int), average="binary", zero_division=0
    )
    return {
        "roc_auc": round(float(roc_auc_score(truth, score)), 4),
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "flagged_share": round(float(flagged.mean()), 4),
    }
