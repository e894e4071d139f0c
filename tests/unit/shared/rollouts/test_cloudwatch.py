"""The figures the scheduled judge reads from CloudWatch are the workers' tallies: the same
comparisons, counted once into the tally and once into EMF (ingested here into moto's
CloudWatch as CloudWatch ingests EMF from the logs)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.observability import metrics
from shared.observability.setup import metrics_namespace, service_name
from shared.rollouts.cloudwatch import CloudWatchFigures
from shared.rollouts.plan import Policy, start
from shared.rollouts.records import write_current
from shared.store.local import LocalStore
from tests.support.cloudwatch_ingest import ingest
from tests.support.fraud_versions import NAME
from tests.unit.shared.rollouts.conftest import answer_of, rollouts_on


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def test_cloudwatch_figures_equal_the_workers_tallies(
    fraud_store: LocalStore,
    versions: dict[str, str],
    transactions: list[dict[str, Any]],
    cloudwatch: Any,
) -> None:
    rollout = start(NAME, versions["flipped"], versions["production"], "shadow", 1.0, Policy())
    write_current(fraud_store, rollout)
    rollouts, production = rollouts_on(fraud_store)
    for group in range(8):  # drained one by one: every fourth group is timed for both versions
        rollouts.answered(answer_of(production, transactions[group * 5 : group * 5 + 5]))
        rollouts.comparer.drain()
    active = rollouts.follower.active(NAME)
    assert active is not None
    tally = active.tally.snapshot()
    ingest(cloudwatch, metrics.drain())

    figures = CloudWatchFigures(cloudwatch, metrics_namespace(), service_name())(
        rollout, now=rollout.started_at + timedelta(minutes=5)
    )
    assert figures.compared == tally.compared == 40
    assert figures.agreement == pytest.approx(tally.agreement)
    assert figures.confidence_gap == pytest.approx(tally.confidence_gap)
    assert figures.candidate.calls == tally.candidate.calls == 8
    assert figures.production.calls == tally.production.calls == 8
    assert figures.candidate.timed == tally.candidate.timed == 2
    assert figures.latency_ratio == pytest.approx(tally.latency_ratio)


def test_a_rollout_with_no_metrics_yet_has_empty_figures(cloudwatch: Any) -> None:
    rollout = start(NAME, "v2", "v1", "canary", 0.05, Policy())
    figures = CloudWatchFigures(cloudwatch, metrics_namespace(), service_name())(rollout)
    assert figures.compared == 0 and figures.agreement is None
