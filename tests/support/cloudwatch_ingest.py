"""What CloudWatch does with an EMF document it finds in a log: every value of every metric
becomes a datapoint under each dimension set of the directive. For moto, which reads no logs."""

from datetime import UTC, datetime
from typing import Any

# PutMetricData takes at most 1,000 datapoints a call.
BATCH = 1000


def ingest(client: Any, documents: list[dict[str, Any]]) -> int:
    """Put every datapoint of `documents` into `client` (a CloudWatch client); returns how many."""
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        meta = document["_aws"]
        timestamp = datetime.fromtimestamp(meta["Timestamp"] / 1000, UTC)
        for directive in meta["CloudWatchMetrics"]:
            for names in directive["Dimensions"]:
                dimensions = [{"Name": name, "Value": str(document[name])} for name in names]
                for metric in directive["Metrics"]:
                    values = document[metric["Name"]]
                    for value in values if isinstance(values, list) else [values]:
                        by_namespace.setdefault(directive["Namespace"], []).append(
                            {
                                "MetricName": metric["Name"],
                                "Dimensions": dimensions,
                                "Value": float(value),
                                "Unit": metric.get("Unit", "None"),
                                "Timestamp": timestamp,
                            }
                        )
    total = 0
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), BATCH):
            client.put_metric_data(Namespace=namespace, MetricData=data[start : start + BATCH])
            total += len(data[start : start + BATCH])
    return total
