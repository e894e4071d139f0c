"""The process-wide observability objects. Names come from the POWERTOOLS_* variables."""

import os

from aws_lambda_powertools import Logger, Tracer

from shared.metric_names import DEFAULT_NAMESPACE, DEFAULT_SERVICE
from shared.observability.emf import MetricsBuffer
from shared.settings import get_settings


def service_name() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME", DEFAULT_SERVICE)


def metrics_namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)


# Tracer records only where an X-Ray daemon listens (Lambda, or a sidecar with
# POWERTOOLS_TRACE_DISABLED=false); elsewhere Powertools turns it off by itself.
logger = Logger(service=service_name(), level=get_settings().log_level)
tracer = Tracer(service=service_name())
metrics = MetricsBuffer(namespace=metrics_namespace(), service=service_name())
