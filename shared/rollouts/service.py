"""What the serving side holds for rollouts: which version answers a request (canary), the
answer listener that queues comparisons (shadow and canary), the follower of each model's plan,
and the thread that keeps it current."""

import functools
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from shared.refresher import Refresher
from shared.rollouts import routing
from shared.rollouts.comparer import Comparer, Job, ProductionOf
from shared.rollouts.follower import RolloutFollower
from shared.serving.answers import Answer
from shared.serving.loaded_model import LoadedModel
from shared.settings import Settings
from shared.store import ModelStore

if TYPE_CHECKING:
    from shared.serving.registry import ModelRegistry

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Rollouts:
    def __init__(
        self,
        store: ModelStore,
        settings: Settings,
        production_of: ProductionOf,
        served_names: Callable[[], Iterable[str]],
        follower: RolloutFollower | None = None,
    ) -> None:
        self.settings = settings
        self.follower = follower or RolloutFollower(store, settings)
        self.comparer = Comparer(
            production_of,
            settings.rollout_compare_queue,
            settings.max_batch_size,
            settings.rollout_compare_window_seconds,
        )
        self._served_names = served_names
        self._refresher = Refresher(
            "rollout-follow",
            self.refresh,
            settings.rollout_refresh_seconds,
            failure_message="Rollout refresh failed",
        )
        self._next_refresh = 0.0

    def model_for(self, production: LoadedModel, sticky: str | None) -> LoadedModel:
        """The candidate for a canary's share of callers, production otherwise."""
        active = self.follower.active(production.name)
        if active is None or not routing.answered_by_candidate(active.rollout, sticky):
            return production
        return active.candidate

    def answered(self, answer: Answer) -> None:
        """The answer listener: count the call, queue the comparison. Only looks and enqueues."""
        active = self.follower.active(answer.model)
        if active is None:
            return
        by_candidate = answer.version == active.rollout.candidate
        active.calls(candidate=by_candidate)
        if by_candidate or routing.compared(active.rollout):
            self.comparer.offer(Job(active, by_candidate, list(answer.items), answer.outputs))

    def failed(self, model: LoadedModel) -> None:
        """A prediction by `model` raised on the request path: a canary's error counts."""
        active = self.follower.active(model.name)
        if active is not None and model.version == active.rollout.candidate:
            active.calls(candidate=True, failed=True)

    def refresh(self) -> None:
        self.follower.refresh(self._served_names())

    def start(self) -> None:
        self.comparer.start()
        self._refresher.start()

    def stop(self) -> None:
        self._refresher.stop()
        self.comparer.stop()
        self.comparer.drain()
        self.follower.flush()  # the last counts of a stopping worker are kept

    def around_invocation(self, handler: Handler) -> Handler:
        """For Lambda, which has no background thread: follow the plans when due, and compare
        what the invocation queued before it returns (its environment may freeze after)."""

        @functools.wraps(handler)
        def following(event: dict[str, Any], context: Any) -> dict[str, Any]:
            if time.monotonic() >= self._next_refresh:
                self._next_refresh = time.monotonic() + self.settings.rollout_refresh_seconds
                self.refresh()
            try:
                return handler(event, context)
            finally:
                self.comparer.drain()

        return following


def rollouts_from_settings(
    settings: Settings, store: ModelStore, registry: "ModelRegistry"
) -> Rollouts | None:
    """What the service follows of rollouts; None when ROLLOUTS_ENABLED is false."""
    if not settings.rollouts_enabled:
        return None
    return Rollouts(store, settings, registry.get, registry.wanted_names)
