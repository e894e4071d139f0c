"""What packaging records of the artifact's answers: the checks a load repeats, agreement with
the estimator, and metrics against the sample's label column."""

import math
from typing import Any

from shared.manifest import SampleCheck


def sample_check(kind: str, row: dict[str, Any], output: Any) -> SampleCheck:
    """A row and the answer its kind's sample check compares."""
    if kind == "classification":
        return SampleCheck(input=row, expected_label=output.label)
    if kind == "ranking":
        return SampleCheck(input=row, expected={"items": [r.item for r in output.items]})
    return SampleCheck(input=row, expected=output.model_dump())


def agreement(
    kind: str, reference: list[Any], served: list[Any], tolerance: float
) -> dict[str, Any]:
    """Whether the artifact answers as the estimator does on every row, and by how much not."""
    worst, mismatched = 0.0, 0
    for expected, got in zip(reference, served, strict=True):
        difference = _difference(kind, expected.model_dump(), got.model_dump())
        if math.isinf(difference):
            mismatched += 1
        else:
            worst = max(worst, difference)
    agrees = mismatched == 0 and worst <= tolerance
    detail = (
        f"{mismatched} of {len(reference)} answers differ in label or kind; "
        f"largest numeric difference {worst:.3g}"
    )
    return {"agrees": agrees, "max_difference": worst, "tolerance": tolerance, "detail": detail}


def _difference(kind: str, expected: Any, got: Any) -> float:
    """The largest numeric gap (relative for regression values); inf for any other mismatch."""
    if isinstance(expected, dict) and isinstance(got, dict):
        if expected.keys() != got.keys():
            return math.inf
        return max((_difference(kind, expected[k], got[k]) for k in expected), default=0.0)
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return math.inf
        return max(
            (_difference(kind, e, g) for e, g in zip(expected, got, strict=True)), default=0.0
        )
    if isinstance(expected, bool | str) or expected is None:
        return 0.0 if expected == got else math.inf
    scale = max(1.0, abs(expected)) if kind == "regression" else 1.0
    return abs(float(expected) - float(got)) / scale


def label_metrics(kind: str, target: Any, outputs: list[Any]) -> dict[str, Any]:
    """The artifact's scores on the sample's labels (a smoke check of the packaging, not an
    evaluation: the sample is whatever the user passed)."""
    from sklearn import metrics

    truth = [str(value) for value in target] if kind == "classification" else list(target)
    found: dict[str, Any] = {"label_rows": len(truth)}
    if kind == "classification":
        predicted = [output.label for output in outputs]
        found["accuracy"] = round(float(metrics.accuracy_score(truth, predicted)), 4)
        found["macro_f1"] = round(float(metrics.f1_score(truth, predicted, average="macro")), 4)
    elif kind == "regression":
        predicted = [output.value for output in outputs]
        found["mae"] = round(float(metrics.mean_absolute_error(truth, predicted)), 6)
        found["rmse"] = round(float(metrics.root_mean_squared_error(truth, predicted)), 6)
        found["r2"] = round(float(metrics.r2_score(truth, predicted)), 4)
    elif kind == "anomaly":
        scores = [output.score for output in outputs]
        found["flagged_share"] = round(sum(o.anomaly for o in outputs) / len(outputs), 4)
        if len(set(truth)) == 2:
            found["roc_auc"] = round(float(metrics.roc_auc_score(truth, scores)), 4)
    return found
