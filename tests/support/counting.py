"""An estimator wrapper that counts the calls reaching it, and the metrics a kind emitted."""

from typing import Any

from shared.observability import metrics
from shared.serving.loaded_model import LoadedModel


class CountingEstimator:
    """Wraps an estimator and counts the calls that reach it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if callable(attribute):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.calls += 1
                return attribute(*args, **kwargs)

            return counted
        return attribute


def counted(model: LoadedModel) -> tuple[LoadedModel, CountingEstimator]:
    estimator = CountingEstimator(model.estimator)
    return LoadedModel(model.manifest, estimator), estimator


def emitted(name: str) -> list[dict[str, Any]]:
    return [doc for doc in metrics.drain() if name in doc]
