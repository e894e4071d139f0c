"""The bring-your-own-model examples as a user runs them: the example script, then
`inferno package`, each as a command; shared by the integration test and `make bench`."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.servers import ROOT

INFERNO = str(Path(sys.executable).with_name("inferno"))


@dataclass(frozen=True)
class Example:
    name: str  # the model's name in the store
    module: str  # model_build.examples.<module>
    model_file: str  # what `inferno package` is given, inside the example's folder
    package_args: tuple[str, ...] = ()
    kind: str = "classification"

    def build(self, root: Path) -> Path:
        """Run the example; its folder holds the model file and sample.csv."""
        folder = root / self.module
        run([sys.executable, "-m", f"model_build.examples.{self.module}", str(folder)])
        return folder

    def package(self, folder: Path, output: Path, *extra: str) -> str:
        """`inferno package` as the guide shows it; what it printed."""
        return run(
            [INFERNO, "package", str(folder / self.model_file), "--name", self.name,
             "--sample", str(folder / "sample.csv"), "--label", "label",
             "--output", str(output), *self.package_args, *extra]
        )  # fmt: skip


EXAMPLES = (
    Example("feedback", "feedback_text", "model.joblib", ("--trust-pickle",)),
    Example("fraud-forest", "fraud_forest", "mlflow-model"),
    Example("claims", "claims_boosting", "model.joblib", ("--trust-pickle",), "regression"),
    Example("tumour-lgbm", "lightgbm_onnx", "model.joblib", ("--trust-pickle", "--format", "onnx")),
    Example(
        "churn",
        "churn_graph",
        "churn.onnx",
        ("--kind", "classification", "--labels", "stays,churns"),
    ),
)


def run(argv: list[str], env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, env=full_env)
    if done.returncode != 0:
        raise AssertionError(f"{argv[:4]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def estimator_answers(example: Example, folder: Path, frame: Any) -> list[dict[str, Any]]:
    """What the data scientist's own model answers in-process: class probabilities, or values."""
    import joblib
    import numpy as np

    features = frame.drop(columns=["label"])
    if example.module == "churn_graph":
        from model_build.examples.churn_graph import COLUMNS, LABELS, forward

        weights = dict(np.load(folder / "weights.npz"))
        rows = forward(weights, features[COLUMNS].to_numpy(np.float32))
        return [dict(zip(LABELS, map(float, row), strict=True)) for row in rows]
    if example.module == "fraud_forest":
        from model_build.packaging.sources import load_source

        model = load_source(folder / example.model_file).model
    else:
        model = joblib.load(folder / example.model_file)  # the example's own file
    if example.kind == "regression":
        return [{"value": float(v)} for v in model.predict(features)]
    if example.module == "feedback_text":
        features = list(features["text"])
    classes = [str(c) for c in model.classes_]
    return [
        dict(zip(classes, map(float, row), strict=True)) for row in model.predict_proba(features)
    ]
