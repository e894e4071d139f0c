"""Names the observability objects take from the POWERTOOLS_* variables the infrastructure sets."""

import pytest

from shared.observability.metric_names import DEFAULT_NAMESPACE, DEFAULT_SERVICE
from shared.observability.setup import in_lambda, metrics_namespace, service_name


def test_names_default_without_the_powertools_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    assert (service_name(), metrics_namespace()) == (DEFAULT_SERVICE, DEFAULT_NAMESPACE)


def test_the_powertools_variables_name_the_service_and_namespace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "inferno-batch")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Inferno/Test")
    assert (service_name(), metrics_namespace()) == ("inferno-batch", "Inferno/Test")


def test_lambda_is_told_by_its_task_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    assert not in_lambda()
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert in_lambda()
