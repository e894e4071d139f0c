"""Score predictions on the held-out split and write the evaluation report."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: the report is written to files only

import matplotlib.pyplot as plt
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)


def score(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix."""
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=list(labels), zero_division=0
    )
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(
                f1_score(truth, predicted, labels=list(labels), average="macro", zero_division=0)
            ),
            4,
        ),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": confusion_matrix(truth, predicted, labels=list(labels)).tolist(),
        "n_test": len(truth),
    }


def write_report(
    directory: Path, title: str, scores: dict[str, dict[str, Any]], labels: Sequence[str]
) -> None:
    """evaluation.json, evaluation.md and one confusion-matrix PNG per scored system."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "evaluation.json").write_text(json.dumps(scores, indent=2) + "\n")
    lines = [f"# {title}", "", "| system | accuracy | macro-F1 |", "|---|---|---|"]
    lines += [
        f"| {name} | {s['accuracy']:.4f} | {s['macro_f1']:.4f} |" for name, s in scores.items()
    ]
    for name, s in scores.items():
        lines += [
            "",
            f"## {name}",
            "",
            "| class | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {label} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} "
            f"| {c['support']} |"
            for label, c in s["per_class"].items()
        ]
        picture = f"confusion_matrix_{name}.png"
        plot_confusion(directory / picture, s["confusion_matrix"], labels, f"{title}: {name}")
        lines += ["", f"![confusion matrix]({picture})"]
    (directory / "evaluation.md").write_text("\n".join(lines) + "\n")


def plot_confusion(path: Path, matrix: list[list[int]], labels: Sequence[str], title: str) -> None:
    import numpy as np

    figure, axes = plt.subplots(figsize=(5, 4.5))
    ConfusionMatrixDisplay(np.array(matrix), display_labels=list(labels)).plot(
        ax=axes, cmap="Blues", colorbar=False, values_format="d"
    )
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
