"""The models this process serves: loaded once, retried with back-off, hot-swapped on alias moves.

Readers take one LoadedModel reference per request, so a request is served entirely by one
version; a swap replaces the reference and the old model is freed once no request holds it.
"""

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from shared.errors import (
    InfernoError,
    ModelNotLoaded,
    StoreError,
    StoreKeyNotFound,
    UnknownModel,
)
from shared.observability import logger, metric_names, metrics
from shared.refresher import Refresher
from shared.serving.gc_policy import free_swapped_out
from shared.serving.loaded_model import LoadedModel
from shared.serving.versions import load_version
from shared.settings import Settings
from shared.store import ModelStore, NotModified
from shared.store.base import ALIAS_MAX_BYTES, alias_key, parse_alias

FIRST_RETRY_SECONDS = 0.5
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class VersionChooser(Protocol):
    """Who answers a caller when a model has a rollout (shared/rollouts/service.py)."""

    def model_for(self, production: LoadedModel, sticky: str | None) -> LoadedModel: ...

    def failed(self, model: LoadedModel) -> None: ...


@dataclass
class _Source:
    """Where a served model's version comes from, and the alias token last applied."""

    alias: str | None
    pinned_version: str | None = None
    token: str | None = None
    # Set when verification refused the version this source names: until then (or until the
    # alias moves) it is not downloaded again.
    refused_until: float | None = None
    # The (version, error) last logged: a failure that repeats is counted, not logged again.
    logged_failure: tuple[str | None, str] | None = None


class Backoff:
    """Doubling delays between failed attempts, back to the first one after a success."""

    def __init__(self, ceiling_seconds: float) -> None:
        self.ceiling_seconds = ceiling_seconds
        self._delay = FIRST_RETRY_SECONDS

    def next_delay(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self.ceiling_seconds)
        return delay

    def reset(self) -> None:
        self._delay = FIRST_RETRY_SECONDS


class ModelRegistry:
    def __init__(self, store: ModelStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.default_name = settings.model_name
        self._models: dict[str, LoadedModel] = {}
        self._sources: dict[str, _Source] = {}
        self._swap_lock = threading.Lock()
        self._refresher = Refresher("model-refresh", self.refresh, self._next_pause, at_once=True)
        self._backoff = Backoff(settings.model_load_retry_max_seconds)
        self._next_attempt = 0.0
        self.chooser: VersionChooser | None = None  # set when rollouts are followed

    # Reading: cheap, lock-free lookups of the current reference.

    def get(self, name: str) -> LoadedModel:
        model = self._models.get(name)
        if model is not None:
            return model
        if name in self._sources or name == self.default_name:
            raise ModelNotLoaded(name)
        raise UnknownModel(name, self.served_names())

    def default(self) -> LoadedModel:
        return self.get(self.default_name)

    def for_caller(self, name: str, sticky: str | None) -> LoadedModel:
        """The version that answers this caller: production, or a canary's candidate."""
        model = self.get(name)
        return model if self.chooser is None else self.chooser.model_for(model, sticky)

    def failed(self, model: LoadedModel) -> None:
        """A prediction by `model` raised: a rollout's candidate counts it against itself."""
        if self.chooser is not None:
            self.chooser.failed(model)

    def served(self) -> list[LoadedModel]:
        return sorted(self._models.values(), key=lambda model: model.name)

    def served_names(self) -> list[str]:
        return sorted(self._models)

    def wanted_names(self) -> list[str]:
        """The models this process serves or is about to: those loaded, those it is loading,
        the default and the configured ones (a rollout is followed before its model loads)."""
        configured = self.settings.served_model_names()
        return sorted({*self._models, *self._sources, self.default_name, *configured})

    def is_ready(self) -> bool:
        return self.default_name in self._models

    def is_complete(self) -> bool:
        """Every model this process should serve is loaded."""
        return bool(self._sources) and all(name in self._models for name in self._sources)

    # Loading and refreshing.

    def refresh(self) -> bool:
        """One pass over every served model; returns True when all of them are loaded."""
        try:
            self._discover()
        except InfernoError as exc:
            logger.warning(
                "Cannot list models in the store",
                extra={"store": self.store.describe(), "error": str(exc)},
            )
        for name, source in list(self._sources.items()):
            self._refresh_one(name, source)
        return self.is_complete()

    def retrying_failed_loads(self, handler: Handler) -> Handler:
        """For runtimes with no background thread (Lambda): each call first retries any model
        that is not loaded yet, within the back-off."""

        @functools.wraps(handler)
        def after_loading(event: dict[str, Any], context: Any) -> dict[str, Any]:
            self.load_if_due()
            return handler(event, context)

        return after_loading

    def load_if_due(self) -> bool:
        """For runtimes with no background thread (Lambda): a refresh pass when some model is
        missing and the back-off allows one; True when every model is loaded."""
        if self.is_complete():
            return True
        if time.monotonic() < self._next_attempt:
            return False
        if self.refresh():
            self._backoff.reset()
            return True
        # From when this attempt ended: a slow load must not use up the back-off.
        self._next_attempt = time.monotonic() + self._backoff.next_delay()
        return False

    def _discover(self) -> None:
        names = self.settings.served_model_names() or self.store.model_names()
        for name in {*names, self.default_name}:
            if name in self._sources:
                continue
            pinned = self.settings.model_version if name == self.default_name else None
            self._sources[name] = _Source(
                alias=None if pinned else self.settings.model_alias, pinned_version=pinned
            )

    def _refresh_one(self, name: str, source: _Source) -> None:
        if source.refused_until is not None:
            if time.monotonic() < source.refused_until and source.pinned_version:
                return
            if time.monotonic() >= source.refused_until:
                source.refused_until, source.token = None, None  # long back-off over: try again
        version: str | None = None
        try:
            version = self._wanted_version(name, source)
            current = self._models.get(name)
            if version is None or (current is not None and current.version == version):
                return
            self._load_and_swap(name, version)
            source.refused_until, source.logged_failure = None, None
        except StoreKeyNotFound as exc:
            if name != self.default_name and name not in self._models:
                # Listed in the store but never given this alias: not served, not a failure.
                del self._sources[name]  # looked for again at the next discovery
                logger.info(
                    "Model has no such alias; not served",
                    extra={"model": name, "alias": source.alias},
                )
                return
            self._record_failure(name, source, version, exc)
        except Exception as exc:  # any failure, even a corrupt manifest, keeps the serving version
            self._record_failure(name, source, version, exc)

    def _record_failure(
        self, name: str, source: _Source, version: str | None, exc: Exception
    ) -> None:
        """Count every failure; log one once per version and kind, not at every refresh.

        A store that cannot be reached is transient: the alias is read again next time. A key
        that is missing is not: a version without its manifest or artifact is refused like a
        tampered one (unless pinned, where waiting for the upload costs one small read)."""
        metrics.add(metric_names.MODEL_LOAD_FAILURE, 1, model=name)
        missing = isinstance(exc, StoreKeyNotFound)
        transient = isinstance(exc, StoreError) and not missing
        failure = (version, type(exc).__name__)
        if transient or failure != source.logged_failure:
            serving = self._models.get(name)
            logger.error(
                "Model load failed; the serving version stays",
                extra={
                    "model": name,
                    "version": version,
                    "serving_version": serving.version if serving else None,
                    "error": f"{type(exc).__name__}: {exc}",
                    "transient": transient,
                },
            )
            source.logged_failure = None if transient else failure
        if transient or (missing and source.pinned_version):
            source.token = None  # the store may be back next time: read the alias again
        else:
            # The version itself was refused; the alias token is kept, so an unchanged pointer
            # is not followed again before the long back-off.
            source.refused_until = time.monotonic() + self.settings.model_refused_retry_seconds

    def _wanted_version(self, name: str, source: _Source) -> str | None:
        """The version to serve, or None when the alias pointer has not changed."""
        if source.pinned_version:
            return source.pinned_version
        assert source.alias is not None
        alias = alias_key(name, source.alias)
        answer = self.store.read_if_changed(alias, source.token, ALIAS_MAX_BYTES)
        if isinstance(answer, NotModified):
            return None
        data, source.token = answer
        try:
            return parse_alias(data)
        except (ValueError, KeyError) as exc:
            raise InfernoError(
                f"alias {name}/{source.alias} is not a valid pointer: {exc}"
            ) from exc

    def _load_and_swap(self, name: str, version: str) -> None:
        started = time.perf_counter()
        model = load_version(self.store, name, version, self.settings)
        with self._swap_lock:
            previous = self._models.get(name)
            self._models = {**self._models, name: model}
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.add(metric_names.MODEL_LOAD_TIME, elapsed_ms, model=name)
        logger.info(
            "Model loaded",
            extra={
                "model": name,
                "version": version,
                "previous_version": previous.version if previous else None,
                "load_ms": round(elapsed_ms, 1),
                "store": self.store.describe(),
            },
        )
        swapped = previous is not None
        del previous
        if swapped:
            free_swapped_out()  # the load's pause froze the new one; this frees the old one

    # Background refresh: back-off until loaded, then the refresh interval.

    def start(self) -> None:
        self._refresher.start()

    def stop(self) -> None:
        self._refresher.stop()

    def _next_pause(self) -> float | None:
        """After a background pass: the back-off while a model is missing, else the refresh
        interval, or None (no more passes) when hot reload is off."""
        if not self.is_complete():
            pause = self._backoff.next_delay()
            logger.warning("Models not all loaded; retrying", extra={"retry_in_s": pause})
            return pause
        self._backoff.reset()
        if self.settings.model_refresh_seconds <= 0:
            return None  # hot reload is off: nothing more to do once every model is loaded
        return self.settings.model_refresh_seconds
