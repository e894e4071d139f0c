"""The process-wide observability objects. Names come from the POWERTOOLS_* variables."""

import os

from aws_lambda_powertools import Logger, Tracer

from shared.observability.emf import MetricsBuffer
from shared.observability.metric_names import DEFAULT_NAMESPACE, DEFAULT_SERVICE
from shared.observability.notrace import NoTracing
from shared.settings import get_settings


def service_name() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME", DEFAULT_SERVICE)


def metrics_namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)


def in_lambda() -> bool:
    return bool(os.environ.get("LAMBDA_TASK_ROOT"))


# Tracer records only in Lambda (X-Ray); Powertools turns it off everywhere else, so there the
# X-Ray SDK is not even imported (half a second of start-up in the container).
logger = Logger(service=service_name(), level=get_settings().log_level)
tracer = Tracer(service=service_name(), provider=None if in_lambda() else NoTracing())
metrics = MetricsBuffer(namespace=metrics_namespace(), service=service_name())
