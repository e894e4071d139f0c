"""Read CloudWatch Embedded Metric Format out of process output and check it against the spec.

Specification: docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html
"""

import json
import time
from collections import Counter
from typing import Any

VALID_UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
    "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
    "Count/Second", "None",
}  # fmt: skip
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100
MAX_DIMENSIONS_PER_SET = 30
# CloudWatch accepts timestamps up to two weeks old and two hours ahead.
TIMESTAMP_WINDOW_MS = (14 * 24 * 3600 * 1000, 2 * 3600 * 1000)

Dimensions = tuple[tuple[str, str], ...]


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` that is a JSON object; other output (uvicorn, the RIE) is skipped."""
    found = []
    for line in text.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            value = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def emf_documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in json_lines(text) if "_aws" in doc]


def log_records(text: str) -> list[dict[str, Any]]:
    """Powertools log lines: JSON objects with a level and a message."""
    return [doc for doc in json_lines(text) if "level" in doc and "message" in doc]


def spec_violations(doc: dict[str, Any], now_ms: int | None = None) -> list[str]:
    """Everything in one document that breaks the EMF specification (empty when valid)."""
    problems: list[str] = []
    meta = doc.get("_aws")
    if not isinstance(meta, dict):
        return ["_aws is not an object"]
    timestamp = meta.get("Timestamp")
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        problems.append(f"_aws.Timestamp is not an integer of milliseconds: {timestamp!r}")
    elif not now_ms - TIMESTAMP_WINDOW_MS[0] <= timestamp <= now_ms + TIMESTAMP_WINDOW_MS[1]:
        problems.append(f"_aws.Timestamp {timestamp} is outside CloudWatch's accepted window")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return [*problems, "_aws.CloudWatchMetrics is not a non-empty array"]
    for i, directive in enumerate(directives):
        problems += [f"directive {i}: {p}" for p in _directive_violations(doc, directive)]
    return problems


def _directive_violations(doc: dict[str, Any], directive: Any) -> list[str]:
    problems: list[str] = []
    namespace = directive.get("Namespace") if isinstance(directive, dict) else None
    if not isinstance(namespace, str) or not namespace.strip():
        problems.append("Namespace is missing or blank")
    for dimension_set in directive.get("Dimensions", []):
        if not isinstance(dimension_set, list) or len(dimension_set) > MAX_DIMENSIONS_PER_SET:
            problems.append(f"dimension set {dimension_set!r} is not an array of at most 30 names")
            continue
        problems += [
            f"dimension {name!r} has no string value at the top level"
            for name in dimension_set
            if not isinstance(doc.get(name), str)
        ]
    definitions = directive.get("Metrics")
    if not isinstance(definitions, list) or not 0 < len(definitions) <= MAX_METRICS_PER_DIRECTIVE:
        return [*problems, "Metrics is not an array of 1 to 100 definitions"]
    for definition in definitions:
        name, unit = definition.get("Name"), definition.get("Unit", "None")
        if unit not in VALID_UNITS:
            problems.append(f"{name}: unit {unit!r} is not a CloudWatch unit")
        if definition.get("StorageResolution", 60) not in (1, 60):
            problems.append(f"{name}: StorageResolution must be 1 or 60")
        problems += _value_violations(name, doc.get(name))
    return problems


def _value_violations(name: str, value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if value is None or not all(_is_number(v) for v in values):
        return [f"{name}: top-level value {value!r} is not a number or an array of numbers"]
    if len(values) > MAX_VALUES_PER_METRIC:
        return [f"{name}: {len(values)} values; at most 100 are allowed"]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def metric_values(docs: list[dict[str, Any]], metric: str) -> dict[Dimensions, list[float]]:
    """Every value of `metric`, by its full dimension set (service included)."""
    found: dict[Dimensions, list[float]] = {}
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            if metric not in {d["Name"] for d in directive["Metrics"]}:
                continue
            for dimension_set in directive["Dimensions"]:
                key = tuple(sorted((name, doc[name]) for name in dimension_set))
                value = doc[metric]
                found.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return found


def totals(docs: list[dict[str, Any]], metric: str, *by: str) -> Counter[tuple[str, ...]]:
    """Sum of `metric` grouped by the named dimensions, e.g. totals(docs, "ErrorCount", "route")."""
    summed: Counter[tuple[str, ...]] = Counter()
    for dimensions, values in metric_values(docs, metric).items():
        as_dict = dict(dimensions)
        summed[tuple(as_dict[name] for name in by)] += int(sum(values))
    return summed


def declared_metrics(docs: list[dict[str, Any]]) -> set[tuple[str, str, frozenset[str]]]:
    """(name, unit, dimension names) of every metric definition in the documents."""
    return {
        (definition["Name"], definition.get("Unit", "None"), frozenset(dimension_set))
        for doc in docs
        for directive in doc["_aws"]["CloudWatchMetrics"]
        for definition in directive["Metrics"]
        for dimension_set in directive["Dimensions"]
    }
