"""A LightGBM classifier, served through ONNX: tumour malignancy from the breast-cancer
measurements scikit-learn ships (LightGBM itself never runs on the server)."""

import sys
from pathlib import Path
from typing import Any

from lightgbm import LGBMClassifier
from sklearn.datasets import load_breast_cancer

from model_build.examples import fit_and_keep


def measurements() -> tuple[Any, Any]:
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns=["target"]).iloc[:, :12]
    frame.columns = [name.replace(" ", "_") for name in frame.columns]
    labels = data.frame["target"].map({0: "malignant", 1: "benign"})
    return frame, labels


def main(output: Path) -> None:
    features, labels = measurements()
    model = LGBMClassifier(n_estimators=80, num_leaves=15, random_state=0, verbose=-1)
    fit_and_keep(model, features, labels, 450, output)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
