"""A tabular risk classifier on a real data set that scikit-learn ships (no download).

The Wisconsin diagnostic breast-cancer data: ten measured cell-nucleus features per sample,
labelled malignant or benign. It shows that a tabular model is served with no change to
handlers/: only its artifact and manifest differ.
"""

import logging
from pathlib import Path

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from model_build.evaluation import score, write_report
from model_build.release.artifacts import write_model_dir
from model_build.release.reference import feature_rows
from shared.manifest import FeatureSpec, ModelManifest, SampleCheck, TabularInputSchema

logger = logging.getLogger(__name__)

FEATURE_COUNT = 10  # the "mean ..." measurements: enough signal, a short request body
RANGE_HEADROOM = 3.0  # accept values up to 3x the largest seen in training


def train_risk(output_dir: Path, seed: int = 42) -> ModelManifest:
    data = load_breast_cancer()
    names = [str(name).replace(" ", "_") for name in data.feature_names[:FEATURE_COUNT]]
    features = data.data[:, :FEATURE_COUNT]
    labels = [str(data.target_names[target]) for target in data.target]
    train_x, test_x, train_y, test_y = train_test_split(
        features, labels, test_size=0.25, stratify=labels, random_state=seed
    )
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("classifier", LogisticRegression(max_iter=1000, random_state=seed)),
        ]
    )
    pipeline.fit(train_x, train_y)
    classes = [str(label) for label in pipeline.classes_]
    scores = {"model": score(test_y, list(pipeline.predict(test_x)), classes)}

    schema = TabularInputSchema(
        features=[
            FeatureSpec(
                name=name,
                type="float",
                minimum=0.0,
                maximum=round(float(column.max()) * RANGE_HEADROOM, 4),
            )
            for name, column in zip(names, features.T, strict=True)
        ]
    )
    sample = dict(zip(names, (round(float(v), 4) for v in test_x[0]), strict=True))
    [expected] = pipeline.predict([[sample[name] for name in names]])
    manifest = write_model_dir(
        output_dir,
        estimator=pipeline,
        name="risk",
        task="tabular-classification",
        input_schema=schema,
        metrics={
            "macro_f1": scores["model"]["macro_f1"],
            "accuracy": scores["model"]["accuracy"],
            "per_class": scores["model"]["per_class"],
            "split": {"test_size": 0.25, "seed": seed, "stratified": True, "n_test": len(test_y)},
            "dataset": "sklearn.datasets.load_breast_cancer",
        },
        sample=SampleCheck(input=sample, expected_label=str(expected)),
        description="Risk that a tissue sample is malignant, from ten cell-nucleus measurements.",
        reference_inputs=feature_rows(schema.features, test_x),
    )
    write_report(output_dir, "Risk model, held-out split", scores, classes)
    logger.info(
        "Wrote %s/%s to %s: macro-F1 %.4f",
        manifest.name,
        manifest.version,
        output_dir,
        scores["model"]["macro_f1"],
    )
    return manifest
