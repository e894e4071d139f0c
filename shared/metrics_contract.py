"""Every metric the service emits, in the order of the Operations README's table: the service's
own (shared/observability/metric_names.py), then each model kind's, from the one list of kinds."""

from shared.kinds import KIND_METRICS
from shared.observability.metric_names import SERVICE_METRICS

ALL_METRICS = (*SERVICE_METRICS, *KIND_METRICS)
