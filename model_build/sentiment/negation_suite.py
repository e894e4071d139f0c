"""The negation and contrast suite: short hand-written sentences a bag of n-grams gets wrong.

Scored beside the held-out domains but never trained on (provenance: `suites/README.md`).
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_build.evaluation import score
from model_build.sentiment.datasets import SENTIMENT_LABELS

SUITE_PATH = Path(__file__).with_name("suites") / "negation_contrast.csv"
SUITE_NAME = "negation_suite"  # its key beside the domains in a manifest's metrics


@dataclass(frozen=True)
class SuiteRow:
    text: str
    label: str
    pattern: str


def load_suite(path: Path = SUITE_PATH) -> list[SuiteRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [SuiteRow(r["text"], r["label"], r["pattern"]) for r in csv.DictReader(handle)]


def score_suite(rows: Sequence[SuiteRow], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy over all rows (classes are balanced), per class and per pattern."""
    result = score([r.label for r in rows], predicted, SENTIMENT_LABELS)
    patterns: dict[str, list[bool]] = {}
    for row, answer in zip(rows, predicted, strict=True):
        patterns.setdefault(row.pattern, []).append(row.label == answer)
    result["per_pattern"] = {
        name: {"accuracy": round(sum(hits) / len(hits), 4), "n": len(hits)}
        for name, hits in sorted(patterns.items())
    }
    return result
