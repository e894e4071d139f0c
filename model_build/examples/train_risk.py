"""A tabular risk classifier on a real data set that scikit-learn ships (no download).

The Wisconsin diagnostic breast-cancer data: ten measured cell-nucleus features per sample,
labelled malignant or benign. It shows that a tabular model is served with no change to
handlers/: only its artifact and manifest differ.
"""

from pathlib import Path

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from model_build.evaluation import score, write_report
from model_build.examples import tabular
from shared.manifest import ModelManifest, SampleCheck, TabularInputSchema

FEATURE_COUNT = 10  # the "mean ..." measurements: enough signal, a short request body
TITLE = "Risk model, held-out split"


def train_risk(output_dir: Path, seed: int = tabular.SEED) -> ModelManifest:
    data = load_breast_cancer()
    names = [str(name).replace(" ", "_") for name in data.feature_names[:FEATURE_COUNT]]
    features = data.data[:, :FEATURE_COUNT]
    labels = [str(data.target_names[target]) for target in data.target]
    train_x, test_x, train_y, test_y = train_test_split(
        features, labels, test_size=tabular.TEST_SHARE, stratify=labels, random_state=seed
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
    schema = TabularInputSchema(features=tabular.bounded_features(names, features, signed=False))
    sample = dict(zip(names, (round(float(v), 4) for v in test_x[0]), strict=True))
    [expected] = pipeline.predict([[sample[name] for name in names]])
    return tabular.write_example(
        output_dir,
        name="risk",
        task="tabular-classification",
        estimator=pipeline,
        input_schema=schema,
        sample=SampleCheck(input=sample, expected_label=str(expected)),
        metrics={
            **{k: scores["model"][k] for k in ("macro_f1", "accuracy", "per_class")},
            "split": {
                "test_size": tabular.TEST_SHARE,
                "seed": seed,
                "stratified": True,
                "n_test": len(test_y),
            },
            "dataset": "sklearn.datasets.load_breast_cancer",
        },
        reference_inputs=tabular.feature_rows(schema.features, test_x),
        description="Risk that a tissue sample is malignant, from ten cell-nucleus measurements.",
        report=lambda directory: write_report(directory, TITLE, scores, classes),
        summary=f"macro-F1 {scores['model']['macro_f1']:.4f}",
    )
