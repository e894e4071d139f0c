"""Powertools Logger, Tracer and the EMF metrics buffer, created once for the whole process."""

from shared.observability.emf import MetricsBuffer
from shared.observability.setup import logger, metrics, service_name, tracer

__all__ = ["MetricsBuffer", "logger", "metrics", "service_name", "tracer"]
