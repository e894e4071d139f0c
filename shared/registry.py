"""The models this process serves: loaded once, retried with back-off, hot-swapped on alias moves.

Readers take one LoadedModel reference per request, so a request is served entirely by one
version; a swap replaces the reference and the old model is freed once no request holds it.
"""

import gc
import threading
import time
from dataclasses import dataclass

from shared import metric_names
from shared.errors import InfernoError, ModelNotLoaded, StoreKeyNotFound, UnknownModel
from shared.model import LoadedModel, load_verified
from shared.observability import logger, metrics
from shared.settings import Settings
from shared.store import ModelStore, NotModified
from shared.store.base import alias_key, parse_alias, version_key

FIRST_RETRY_SECONDS = 0.5


@dataclass
class _Source:
    """Where a served model's version comes from, and the alias token last applied."""

    alias: str | None
    pinned_version: str | None = None
    token: str | None = None


class ModelRegistry:
    def __init__(self, store: ModelStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.default_name = settings.model_name
        self._models: dict[str, LoadedModel] = {}
        self._sources: dict[str, _Source] = {}
        self._swap_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # Reading: cheap, lock-free lookups of the current reference.

    def get(self, name: str) -> LoadedModel:
        model = self._models.get(name)
        if model is not None:
            return model
        if name in self._sources or name == self.default_name:
            raise ModelNotLoaded(name)
        raise UnknownModel(name)

    def default(self) -> LoadedModel:
        return self.get(self.default_name)

    def served(self) -> list[LoadedModel]:
        return sorted(self._models.values(), key=lambda model: model.name)

    def served_names(self) -> list[str]:
        return sorted(self._models)

    def is_ready(self) -> bool:
        return self.default_name in self._models

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
        return bool(self._sources) and all(name in self._models for name in self._sources)

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
        try:
            version = self._wanted_version(name, source)
            current = self._models.get(name)
            if version is None or (current is not None and current.version == version):
                return
            self._load_and_swap(name, version)
        except StoreKeyNotFound as exc:
            if name != self.default_name and name not in self._models:
                # Listed in the store but never given this alias: not served, not a failure.
                del self._sources[name]  # looked for again at the next discovery
                logger.info(
                    "Model has no such alias; not served",
                    extra={"model": name, "alias": source.alias},
                )
                return
            self._record_failure(name, source, exc)
        except Exception as exc:  # any failure, even a corrupt manifest, keeps the serving version
            self._record_failure(name, source, exc)

    def _record_failure(self, name: str, source: _Source, exc: Exception) -> None:
        metrics.add(metric_names.MODEL_LOAD_FAILURE, 1, model=name)
        serving = self._models.get(name)
        logger.error(
            "Model load failed; the serving version stays",
            extra={
                "model": name,
                "serving_version": serving.version if serving else None,
                "error": f"{type(exc).__name__}: {exc}",
            },
        )
        source.token = None  # read the alias again next time, even if it did not move

    def _wanted_version(self, name: str, source: _Source) -> str | None:
        """The version to serve, or None when the alias pointer has not changed."""
        if source.pinned_version:
            return source.pinned_version
        assert source.alias is not None
        answer = self.store.read_if_changed(alias_key(name, source.alias), source.token)
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
        manifest = self.store.manifest(name, version)
        if manifest.name != name or manifest.version != version:
            raise InfernoError(
                f"manifest at {name}/{version} names {manifest.name}/{manifest.version}"
            )
        artifact = self.store.read(version_key(name, version, manifest.artifact))
        model = load_verified(manifest, artifact)
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
        del previous
        gc.collect()  # release the swapped-out estimator's memory promptly

    # Background loop: back-off until loaded, then the refresh interval.

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="model-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._stop.is_set():
            complete = self.refresh()
            if complete and self.settings.model_refresh_seconds <= 0:
                return  # hot reload is off: nothing more to do once every model is loaded
            if complete:
                delay, pause = FIRST_RETRY_SECONDS, self.settings.model_refresh_seconds
            else:
                logger.warning("Models not all loaded; retrying", extra={"retry_in_s": delay})
                pause, delay = delay, min(delay * 2, self.settings.model_load_retry_max_seconds)
            self._stop.wait(pause)
