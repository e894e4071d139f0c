"""A regressor on a data set that scikit-learn ships (no download): disease progression.

The diabetes data: ten baseline measurements per patient (already centred and scaled by
scikit-learn) and a quantitative measure of progression one year later. A BayesianRidge gives a
standard deviation with each value, so the served answer carries a 90% interval. Baseline: the
mean of the training targets (what a service with no model would answer).
"""

import json
import logging
from pathlib import Path

from sklearn.datasets import load_diabetes
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import BayesianRidge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from model_build.release.artifacts import write_model_dir
from model_build.release.reference import feature_rows
from shared.manifest import FeatureSpec, ModelManifest, SampleCheck, TabularInputSchema

logger = logging.getLogger(__name__)

INTERVAL = 0.9
RANGE_HEADROOM = 3.0  # accept values up to 3x the widest seen in training


def train_progression(output_dir: Path, seed: int = 42) -> ModelManifest:
    data = load_diabetes()
    names = [str(name) for name in data.feature_names]
    train_x, test_x, train_y, test_y = train_test_split(
        data.data, data.target, test_size=0.25, random_state=seed
    )
    pipeline = Pipeline([("scale", StandardScaler()), ("regressor", BayesianRidge())])
    pipeline.fit(train_x, train_y)
    baseline = DummyRegressor(strategy="mean").fit(train_x, train_y)
    predicted, std = pipeline.predict(test_x, return_std=True)
    half = 1.6448536269514722 * std  # the normal quantile of a 90% central interval
    scores = {
        "model": _scores(test_y, predicted),
        "baseline (mean)": _scores(test_y, baseline.predict(test_x)),
    }
    coverage = float(((test_y >= predicted - half) & (test_y <= predicted + half)).mean())
    scores["model"]["interval_coverage_90"] = round(coverage, 4)

    schema = TabularInputSchema(
        features=[
            FeatureSpec(
                name=name,
                minimum=round(-float(abs(column).max()) * RANGE_HEADROOM, 4),
                maximum=round(float(abs(column).max()) * RANGE_HEADROOM, 4),
            )
            for name, column in zip(names, data.data.T, strict=True)
        ]
    )
    sample = dict(zip(names, (round(float(v), 6) for v in test_x[0]), strict=True))
    [expected] = pipeline.predict([[sample[name] for name in names]])
    manifest = write_model_dir(
        output_dir,
        estimator=pipeline,
        name="progression",
        task="tabular-regression",
        input_schema=schema,
        metrics={
            **{k: v for k, v in scores["model"].items()},
            "baseline": scores["baseline (mean)"],
            "split": {"test_size": 0.25, "seed": seed, "n_test": len(test_y)},
            "dataset": "sklearn.datasets.load_diabetes",
        },
        sample=SampleCheck(input=sample, expected={"value": round(float(expected), 6)}),
        options={"interval": INTERVAL},
        reference_inputs=feature_rows(schema.features, test_x),
        description="Disease progression one year on, from ten baseline measurements, with a "
        "90% interval.",
    )
    _write_report(output_dir, "Progression regressor, held-out split", scores)
    logger.info("Wrote %s/%s: MAE %.2f", manifest.name, manifest.version, scores["model"]["mae"])
    return manifest


def _scores(truth: object, predicted: object) -> dict[str, float]:
    return {
        "mae": round(float(mean_absolute_error(truth, predicted)), 4),
        "rmse": round(float(mean_squared_error(truth, predicted) ** 0.5), 4),
        "r2": round(float(r2_score(truth, predicted)), 4),
    }


def _write_report(directory: Path, title: str, scores: dict[str, dict[str, float]]) -> None:
    (directory / "evaluation.json").write_text(json.dumps(scores, indent=2) + "\n")
    lines = [f"# {title}", "", "| system | MAE | RMSE | R² |", "|---|---|---|---|"]
    lines += [f"| {n} | {s['mae']} | {s['rmse']} | {s['r2']} |" for n, s in scores.items()]
    lines += [
        "",
        f"90% interval coverage on the test split: {scores['model']['interval_coverage_90']}",
    ]
    (directory / "evaluation.md").write_text("\n".join(lines) + "\n")
