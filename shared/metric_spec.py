"""What one metric of the contract is. Apart from shared/observability so that model kinds can
declare theirs without setting up logging, tracing and metrics: the manifest imports the kinds."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the contract; `service` is added to every dimension set."""

    name: str
    unit: str
    dimensions: tuple[str, ...]
    emitted: str
