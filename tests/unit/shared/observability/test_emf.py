"""The metrics buffer's EMF output against the CloudWatch specification and its limits."""

import json
from typing import Any

import pytest

from shared.observability import MetricsBuffer, metric_names
from shared.observability.metric_names import MetricSpec
from tests.support.emf import emf_documents, metric_values, spec_violations, totals


@pytest.fixture
def buffer() -> MetricsBuffer:
    return MetricsBuffer(namespace="InfernoTest", service="inferno-test")


def flushed(buffer: MetricsBuffer) -> list[dict[str, Any]]:
    """What a flush writes, read back the way CloudWatch reads a log stream."""
    lines: list[str] = []
    buffer.flush(lines.append)
    return emf_documents("\n".join(lines))


def test_flushed_documents_follow_the_specification(buffer: MetricsBuffer) -> None:
    # GIVEN metrics of every unit, with different dimension sets
    buffer.add(metric_names.REQUEST_COUNT, 1, route="/predict")
    buffer.add(metric_names.REQUEST_LATENCY, 2.5, route="/predict")
    buffer.add(metric_names.ERROR_COUNT, 1, route="/predict", status_class="4xx")
    buffer.add(metric_names.PREDICTION_COUNT, 1, model="sentiment", label="positive")
    # WHEN they are flushed
    docs = flushed(buffer)
    # THEN every line is a valid EMF document in the namespace, with service as a dimension
    assert len(docs) == 3
    for doc in docs:
        assert spec_violations(doc) == []
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "InfernoTest"
        assert all("service" in dimension_set for dimension_set in directive["Dimensions"])
        assert doc["service"] == "inferno-test"


def test_counts_are_summed_and_other_units_keep_every_value(buffer: MetricsBuffer) -> None:
    # GIVEN three requests on one route and one on another
    for latency in (1.0, 2.0, 3.0):
        buffer.add(metric_names.REQUEST_COUNT, 1, route="/predict")
        buffer.add(metric_names.REQUEST_LATENCY, latency, route="/predict")
    buffer.add(metric_names.REQUEST_COUNT, 1, route="/health")
    # WHEN flushed
    docs = flushed(buffer)
    # THEN counts are one summed value per dimension set; latencies keep every sample
    counts = metric_values(docs, "RequestCount")
    assert counts[(("route", "/predict"), ("service", "inferno-test"))] == [3]
    assert counts[(("route", "/health"), ("service", "inferno-test"))] == [1]
    latencies = metric_values(docs, "RequestLatency")
    assert latencies[(("route", "/predict"), ("service", "inferno-test"))] == [1.0, 2.0, 3.0]


def test_more_than_100_values_are_split_across_documents(buffer: MetricsBuffer) -> None:
    # GIVEN 250 latency samples for one route
    for i in range(250):
        buffer.add(metric_names.REQUEST_LATENCY, float(i), route="/predict")
    # WHEN flushed
    docs = flushed(buffer)
    # THEN three documents of at most 100 values carry all of them, in order
    assert [len(doc["RequestLatency"]) for doc in docs] == [100, 100, 50]
    assert all(spec_violations(doc) == [] for doc in docs)
    assert [v for doc in docs for v in doc["RequestLatency"]] == [float(i) for i in range(250)]


def test_more_than_100_metrics_are_split_across_documents(buffer: MetricsBuffer) -> None:
    # GIVEN 150 distinct metric names under one dimension set
    for i in range(150):
        buffer.add(MetricSpec(f"Metric{i:03d}", "Count", (), "test"), 1)
    # WHEN flushed
    docs = flushed(buffer)
    # THEN no document declares more than 100 metrics, and each metric appears exactly once
    declared = [d["Name"] for doc in docs for d in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert [len(doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for doc in docs] == [100, 50]
    assert sorted(declared) == [f"Metric{i:03d}" for i in range(150)]
    assert all(spec_violations(doc) == [] for doc in docs)


def test_drain_empties_the_buffer(buffer: MetricsBuffer) -> None:
    # GIVEN a buffered metric that has been flushed once
    buffer.add(metric_names.REQUEST_COUNT, 1, route="/predict")
    assert len(flushed(buffer)) == 1
    # WHEN flushed again THEN nothing is written: no metric is counted twice
    assert flushed(buffer) == []


def test_totals_groups_by_the_named_dimensions(buffer: MetricsBuffer) -> None:
    # GIVEN errors of two classes on two routes
    buffer.add(metric_names.ERROR_COUNT, 1, route="/a", status_class="4xx")
    buffer.add(metric_names.ERROR_COUNT, 1, route="/a", status_class="4xx")
    buffer.add(metric_names.ERROR_COUNT, 1, route="/b", status_class="5xx")
    # WHEN totalled by status class THEN the sums are per class
    assert totals(flushed(buffer), "ErrorCount", "status_class") == {("4xx",): 2, ("5xx",): 1}


VALID: dict[str, Any] = {
    "_aws": {
        "Timestamp": 1_700_000_000_000,
        "CloudWatchMetrics": [
            {
                "Namespace": "N",
                "Dimensions": [["route"]],
                "Metrics": [{"Name": "RequestCount", "Unit": "Count"}],
            }
        ],
    },
    "route": "/predict",
    "RequestCount": [1],
}


@pytest.mark.parametrize(
    ("breakage", "complaint"),
    [
        ({"_aws": {**VALID["_aws"], "Timestamp": "now"}}, "Timestamp is not an integer"),
        ({"_aws": {**VALID["_aws"], "Timestamp": 1_000}}, "outside CloudWatch's accepted window"),
        ({"RequestCount": None}, "is not a number"),
        ({"RequestCount": ["1"]}, "is not a number"),
        ({"RequestCount": list(range(101))}, "at most 100"),
        ({"route": None}, "dimension 'route' has no string value"),
        ({"route": 7}, "dimension 'route' has no string value"),
    ],
)
def test_the_checker_rejects_documents_that_break_the_spec(
    breakage: dict[str, Any], complaint: str
) -> None:
    # GIVEN a valid document with one rule broken
    doc = json.loads(json.dumps(VALID)) | breakage
    assert spec_violations(VALID, now_ms=1_700_000_000_000) == []
    # WHEN checked THEN the violation is named
    problems = spec_violations(doc, now_ms=1_700_000_000_000)
    assert any(complaint in problem for problem in problems), problems


def test_the_checker_rejects_an_unknown_unit_and_too_many_metrics() -> None:
    # GIVEN a directive with a made-up unit, and one with 101 metric definitions
    bad_unit = json.loads(json.dumps(VALID))
    bad_unit["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = "Requests"
    crowded = json.loads(json.dumps(VALID))
    crowded["_aws"]["CloudWatchMetrics"][0]["Metrics"] = [{"Name": "RequestCount"}] * 101
    # WHEN checked THEN both are refused
    assert any("not a CloudWatch unit" in p for p in spec_violations(bad_unit, 1_700_000_000_000))
    assert any("1 to 100" in p for p in spec_violations(crowded, 1_700_000_000_000))
