"""A regressor on a data set that scikit-learn ships (no download): disease progression.

The diabetes data: ten baseline measurements per patient (already centred and scaled by
scikit-learn) and a quantitative measure of progression one year later. A BayesianRidge gives a
standard deviation with each value, so the served answer carries a 90% interval. Baseline: the
mean of the training targets (what a service with no model would answer).
"""

from pathlib import Path

from sklearn.datasets import load_diabetes
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import BayesianRidge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from model_build.examples import tabular
from shared.manifest import ModelManifest, SampleCheck, TabularInputSchema

INTERVAL = 0.9
COLUMNS = {"MAE": "mae", "RMSE": "rmse", "R²": "r2"}


def train_progression(output_dir: Path, seed: int = tabular.SEED) -> ModelManifest:
    data = load_diabetes()
    names = [str(name) for name in data.feature_names]
    train_x, test_x, train_y, test_y = train_test_split(
        data.data, data.target, test_size=tabular.TEST_SHARE, random_state=seed
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
    schema = TabularInputSchema(features=tabular.bounded_features(names, data.data, signed=True))
    sample = dict(zip(names, (round(float(v), 6) for v in test_x[0]), strict=True))
    [expected] = pipeline.predict([[sample[name] for name in names]])
    note = f"90% interval coverage on the test split: {scores['model']['interval_coverage_90']}"
    return tabular.write_example(
        output_dir,
        name="progression",
        task="tabular-regression",
        estimator=pipeline,
        input_schema=schema,
        sample=SampleCheck(input=sample, expected={"value": round(float(expected), 6)}),
        metrics=tabular.against_baseline(
            scores,
            split={"test_size": tabular.TEST_SHARE, "seed": seed, "n_test": len(test_y)},
            dataset="sklearn.datasets.load_diabetes",
        ),
        reference_inputs=tabular.feature_rows(schema.features, test_x),
        description="Disease progression one year on, from ten baseline measurements, with "
        "a 90% interval.",
        report=lambda directory: tabular.write_table(
            directory, "Progression regressor, held-out split", scores, COLUMNS, ["", note]
        ),
        summary=f"MAE {scores['model']['mae']:.2f}",
        options={"interval": INTERVAL},
    )


def _scores(truth: object, predicted: object) -> dict[str, float]:
    return {
        "mae": round(float(mean_absolute_error(truth, predicted)), 4),
        "rmse": round(float(mean_squared_error(truth, predicted) ** 0.5), 4),
        "r2": round(float(r2_score(truth, predicted)), 4),
    }
