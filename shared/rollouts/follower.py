"""Each served model's running rollout, followed the way an alias is: the plan is re-read when
it changes, the candidate is loaded and verified before it takes a request, and this worker's
counts are written back to the store for the decision."""

import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shared.errors import StoreKeyNotFound
from shared.observability import logger, metric_names, metrics
from shared.rollouts.agreement import Comparison
from shared.rollouts.plan import Rollout
from shared.rollouts.records import ROLLOUT_MAX_BYTES, current_key, write_tally
from shared.rollouts.tally import Figures, Tally
from shared.serving.loaded_model import LoadedModel
from shared.serving.versions import load_version
from shared.settings import Settings
from shared.store import ModelStore, NotModified

Loader = Callable[[ModelStore, str, str, Settings], LoadedModel]


@dataclass
class ActiveRollout:
    """A running rollout in this worker. Every count goes to the worker's tally (summed in the
    store) and to the same figure in CloudWatch, so both decision sources see one truth."""

    rollout: Rollout
    candidate: LoadedModel
    tally: Tally = field(default_factory=Tally)
    written: Figures | None = None  # what this worker last wrote: unchanged counts are not

    def calls(self, *, candidate: bool, calls: int = 1, failed: bool = False) -> None:
        self.tally.called(candidate=candidate, failed=failed, calls=calls)
        metrics.add(
            metric_names.ROLLOUT_CALLS,
            calls,
            model=self.rollout.model,
            version=self._version(candidate),
            outcome="error" if failed else "ok",
        )
        if failed and candidate:
            metrics.add(metric_names.ROLLOUT_CANDIDATE_ERRORS, calls, model=self.rollout.model)

    def compared(self, comparison: Comparison) -> None:
        self.tally.compared(comparison)
        dims = {"model": self.rollout.model, "version": self.rollout.candidate}
        metrics.add(metric_names.ROLLOUT_AGREEMENT, comparison.score, **dims)
        if comparison.confidence_gap is not None:
            metrics.add(metric_names.ROLLOUT_CONFIDENCE_GAP, comparison.confidence_gap, **dims)

    def timed(self, *, production_ms: float, candidate_ms: float) -> None:
        self.tally.timed(production_ms=production_ms, candidate_ms=candidate_ms)
        for candidate, ms in ((True, candidate_ms), (False, production_ms)):
            metrics.add(
                metric_names.ROLLOUT_MODEL_TIME,
                ms,
                model=self.rollout.model,
                version=self._version(candidate),
            )
        if production_ms > 0:
            ratio = candidate_ms / production_ms
            metrics.add(metric_names.ROLLOUT_LATENCY_RATIO, ratio, model=self.rollout.model)

    def dropped(self) -> None:
        self.tally.dropped()
        metrics.add(metric_names.SHADOW_DROPPED, 1, model=self.rollout.model)

    def _version(self, candidate: bool) -> str:
        return self.rollout.candidate if candidate else self.rollout.production


def worker_name() -> str:
    """Unique per process and start: a restarted worker adds its counts beside the old ones."""
    return f"{socket.gethostname()}-{os.getpid()}-{int(time.time())}"


class RolloutFollower:
    def __init__(
        self,
        store: ModelStore,
        settings: Settings,
        worker: str | None = None,
        loader: Loader = load_version,
    ) -> None:
        self.store = store
        self.settings = settings
        self.worker = worker or worker_name()
        self._loader = loader
        self._active: dict[str, ActiveRollout] = {}
        self._tokens: dict[str, str] = {}
        self._failed: dict[str, str] = {}  # the plan id whose candidate failed to load, logged once

    def active(self, name: str) -> ActiveRollout | None:
        return self._active.get(name)

    def refresh(self, names: Iterable[str]) -> None:
        """One pass: follow each model's plan, then write this worker's changed counts."""
        for name in names:
            try:
                self._follow(name)
            except Exception as exc:  # the store or the candidate: production serves regardless
                self._log_failure(name, exc)
        self.flush()

    def flush(self) -> None:
        for active in list(self._active.values()):
            self._write(active)

    def _follow(self, name: str) -> None:
        try:
            answer = self.store.read_if_changed(
                current_key(name), self._tokens.get(name), ROLLOUT_MAX_BYTES
            )
        except StoreKeyNotFound:
            self._end(name)
            return
        if isinstance(answer, NotModified):
            return
        data, token = answer
        rollout = Rollout.model_validate_json(data)
        current = self._active.get(name)
        if not rollout.running:
            self._end(name)
        elif current is not None and current.rollout.id == rollout.id:
            current.rollout = rollout  # the same rollout, its share or policy changed
        else:
            candidate = self._loader(self.store, name, rollout.candidate, self.settings)
            self._end(name)
            self._active[name] = ActiveRollout(rollout, candidate)
            logger.info(
                "Rollout followed",
                extra={
                    "model": name,
                    "candidate": rollout.candidate,
                    "mode": rollout.mode,
                    "share": rollout.share,
                },
            )
        self._tokens[name] = token  # only once acted on: a failed load is tried again

    def _end(self, name: str) -> None:
        ended = self._active.pop(name, None)
        if ended is not None:
            self._write(ended)
            logger.info(
                "Rollout no longer running here",
                extra={"model": name, "candidate": ended.rollout.candidate},
            )

    def _write(self, active: ActiveRollout) -> None:
        figures = active.tally.snapshot()
        if figures == active.written:
            return
        write_tally(self.store, active.rollout, self.worker, figures)
        active.written = figures

    def _log_failure(self, name: str, exc: Exception) -> None:
        metrics.add(metric_names.MODEL_LOAD_FAILURE, 1, model=name)
        failure = f"{type(exc).__name__}: {exc}"
        if self._failed.get(name) != failure:
            self._failed[name] = failure
            logger.error(
                "Rollout not followed; production answers every request",
                extra={"model": name, "error": failure},
            )
