"""Does a confidence mean what it says? Expected calibration error and reliability diagrams.

The confidence is the probability of the answered class (what an escalation rule such as
"negative with confidence >= 0.9" reads); it is right when that answer is the true label. On
the long reviews, whose truth has no neutral class, a neutral answer is wrong.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

BINS = 10  # equal-width confidence bins; with 10 a bin holds >= 70 rows on the smallest domain


def reliability(confidence: Sequence[float], correct: Sequence[bool]) -> dict[str, Any]:
    """ECE (bin-weighted |accuracy - mean confidence|) and the per-bin figures behind it."""
    conf, hit = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    index = np.minimum((conf * BINS).astype(int), BINS - 1)
    bins, ece = [], 0.0
    for b in range(BINS):
        rows = index == b
        if not rows.any():
            continue
        gap = abs(float(hit[rows].mean()) - float(conf[rows].mean()))
        ece += gap * float(rows.mean())
        bins.append(
            {
                "confidence": round(float(conf[rows].mean()), 4),
                "accuracy": round(float(hit[rows].mean()), 4),
                "n": int(rows.sum()),
            }
        )
    return {"ece": round(ece, 4), "bins": bins}


def plot_reliability(path: Path, curves: dict[str, dict[str, Any]], title: str) -> None:
    """One panel per domain: accuracy against confidence per bin, the diagonal is perfect."""
    figure, panels = plt.subplots(1, len(curves), figsize=(2.6 * len(curves), 2.9), squeeze=False)
    for axes, (name, curve) in zip(panels[0], curves.items(), strict=True):
        confidence = [b["confidence"] for b in curve["bins"]]
        accuracy = [b["accuracy"] for b in curve["bins"]]
        axes.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle="--")
        axes.plot(confidence, accuracy, marker="o", markersize=3)
        axes.set(xlim=(0.3, 1), ylim=(0, 1), xlabel="confidence")
        axes.set_title(f"{name}\nECE {curve['ece']:.3f}", fontsize=8)
        axes.tick_params(labelsize=7)
    panels[0][0].set_ylabel("accuracy")
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
