"""The Evidently report: the reference profile against this window's rows, with Evidently's data
drift preset over the inputs (features, or text descriptors) and again over the predictions
(prediction drift), each column tested by the method Evidently picks for its type and size."""

from dataclasses import dataclass
from typing import Any

from shared.drift.columns import Column, Row
from shared.drift.profile import ReferenceProfile

# A column with fewer values than this on either side is not tested (and the summary says so).
MIN_VALUES = 30


@dataclass(frozen=True)
class DriftResult:
    html: str
    columns: list[dict[str, Any]]  # per compared column: role, type, method, threshold, score
    skipped: dict[str, str]  # column -> why it was not compared

    def share(self) -> float:
        drifted = sum(1 for column in self.columns if column["drifted"])
        return round(drifted / len(self.columns), 6) if self.columns else 0.0


def drift_report(profile: ReferenceProfile, rows: list[Row]) -> DriftResult:
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    names = [column.name for column in profile.columns]
    reference = pd.DataFrame(profile.data, columns=names)
    current = pd.DataFrame(rows, columns=names)
    compared, skipped = _comparable(profile.columns, reference, current)
    if not compared:
        raise ValueError("no column has enough values on both sides to compare")
    definition = DataDefinition(
        numerical_columns=[c.name for c in compared if c.type == "numerical"],
        categorical_columns=[c.name for c in compared if c.type == "categorical"],
    )
    presets = [
        DataDriftPreset(columns=group)
        for group in (
            [c.name for c in compared if c.role == "input"],
            [c.name for c in compared if c.role == "prediction"],
        )
        if group
    ]
    used = [c.name for c in compared]
    snapshot = Report(presets, include_tests=True).run(
        Dataset.from_pandas(_typed(current[used], compared), data_definition=definition),
        Dataset.from_pandas(_typed(reference[used], compared), data_definition=definition),
    )
    results = _per_column(snapshot.dict(), {c.name: c for c in compared})
    return DriftResult(
        html=snapshot.get_html_str(as_iframe=False), columns=results, skipped=skipped
    )


def _comparable(
    columns: list[Column], reference: Any, current: Any
) -> tuple[list[Column], dict[str, str]]:
    compared, skipped = [], {}
    for column in columns:
        counts = int(reference[column.name].notna().sum()), int(current[column.name].notna().sum())
        if min(counts) >= MIN_VALUES:
            compared.append(column)
        else:
            skipped[column.name] = (
                f"{counts[0]} reference and {counts[1]} current values; a test needs "
                f"{MIN_VALUES} on each side"
            )
    return compared, skipped


def _typed(frame: Any, columns: list[Column]) -> Any:
    """Numbers as floats (None -> NaN), categories as strings (None stays missing)."""
    typed = frame.copy()
    for column in columns:
        if column.type == "numerical":
            typed[column.name] = typed[column.name].astype("float64")
        else:
            typed[column.name] = typed[column.name].astype("object")
    return typed


def _per_column(snapshot: dict[str, Any], columns: dict[str, Column]) -> list[dict[str, Any]]:
    """Each ValueDrift metric of the snapshot with the status of its test (FAIL = drifted)."""
    failed = {
        test["metric_config"]["metric_id"]: test["status"] == "FAIL"
        for test in snapshot.get("tests", [])
        if test.get("id") == "drift"
    }
    found = []
    for metric in snapshot["metrics"]:
        config = metric.get("config", {})
        if config.get("type") != "evidently:metric_v2:ValueDrift":
            continue
        column = columns[config["column"]]
        found.append(
            {
                "column": column.name,
                "role": column.role,
                "type": column.type,
                "method": config.get("method"),
                "threshold": config.get("threshold"),
                "score": round(float(metric["value"]), 6),
                "drifted": failed[metric["id"]],
            }
        )
    return found
