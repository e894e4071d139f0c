"""A rollout's figures as CloudWatch holds them: the same counts every worker's tally keeps,
emitted as EMF metrics per model and version (shared/rollouts/follower.py), summed since the
rollout started. What the scheduled judge reads on AWS."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.observability import metric_names
from shared.observability.setup import metrics_namespace, service_name
from shared.rollouts.plan import Rollout
from shared.rollouts.tally import Figures, VersionCounts


class CloudWatchFigures:
    def __init__(self, client: Any, namespace: str, service: str) -> None:
        self.client = client
        self.namespace = namespace
        self.service = service

    @classmethod
    def from_environment(cls) -> "CloudWatchFigures":
        import boto3

        return cls(boto3.client("cloudwatch"), metrics_namespace(), service_name())

    def __call__(self, rollout: Rollout, now: datetime | None = None) -> Figures:
        end = (now or datetime.now(UTC)) + timedelta(minutes=1)
        start = rollout.started_at - timedelta(minutes=1)
        # One period over the whole rollout: each query answers with one sum (or none).
        period = 60 * math.ceil((end - start).total_seconds() / 60)
        queries = self._queries(rollout, period)
        answer = self.client.get_metric_data(
            MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        )
        values = {result["Id"]: sum(result["Values"]) for result in answer["MetricDataResults"]}

        def number(key: str) -> float:
            return float(values.get(key, 0.0))

        def counts(prefix: str) -> VersionCounts:
            ok, errors = number(f"{prefix}_ok"), number(f"{prefix}_err")
            return VersionCounts(
                calls=int(ok + errors),
                errors=int(errors),
                timed=int(number(f"{prefix}_time_n")),
                model_ms=number(f"{prefix}_time_sum"),
            )

        return Figures(
            compared=int(number("agree_n")),
            agreement_sum=number("agree_sum"),
            confidence_gap_sum=number("gap_sum"),
            confidence_gaps=int(number("gap_n")),
            production=counts("production"),
            candidate=counts("candidate"),
            shadow_dropped=int(number("dropped")),
        )

    def _queries(self, rollout: Rollout, period: int) -> list[dict[str, Any]]:
        model, candidate = rollout.model, rollout.candidate
        queries = [
            self._query(
                "agree_sum", metric_names.ROLLOUT_AGREEMENT, "Sum", period, model, candidate
            ),
            self._query(
                "agree_n", metric_names.ROLLOUT_AGREEMENT, "SampleCount", period, model, candidate
            ),
            self._query(
                "gap_sum", metric_names.ROLLOUT_CONFIDENCE_GAP, "Sum", period, model, candidate
            ),
            self._query(
                "gap_n",
                metric_names.ROLLOUT_CONFIDENCE_GAP,
                "SampleCount",
                period,
                model,
                candidate,
            ),
            self._query("dropped", metric_names.SHADOW_DROPPED, "Sum", period, model),
        ]
        for prefix, version in (("candidate", candidate), ("production", rollout.production)):
            queries += [
                self._query(
                    f"{prefix}_time_sum",
                    metric_names.ROLLOUT_MODEL_TIME,
                    "Sum",
                    period,
                    model,
                    version,
                ),
                self._query(
                    f"{prefix}_time_n",
                    metric_names.ROLLOUT_MODEL_TIME,
                    "SampleCount",
                    period,
                    model,
                    version,
                ),
                self._query(
                    f"{prefix}_ok", metric_names.ROLLOUT_CALLS, "Sum", period, model, version, "ok"
                ),
                self._query(
                    f"{prefix}_err",
                    metric_names.ROLLOUT_CALLS,
                    "Sum",
                    period,
                    model,
                    version,
                    "error",
                ),
            ]
        return queries

    def _query(
        self,
        query_id: str,
        spec: metric_names.MetricSpec,
        stat: str,
        period: int,
        model: str,
        version: str | None = None,
        outcome: str | None = None,
    ) -> dict[str, Any]:
        dimensions = {
            "service": self.service,
            "model": model,
            "version": version,
            "outcome": outcome,
        }
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": spec.name,
                    "Dimensions": [
                        {"Name": name, "Value": value}
                        for name, value in dimensions.items()
                        if value is not None
                    ],
                },
                "Period": period,
                "Stat": stat,
            },
            "ReturnData": True,
        }
