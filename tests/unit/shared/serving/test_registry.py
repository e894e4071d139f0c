"""The registry loads, swaps atomically, refuses bad versions and frees what it swapped out."""

import gc
import json
import shutil
import time
import weakref
from pathlib import Path
from typing import Any

import pytest

from model_build.release.publish import publish
from shared.errors import StoreError
from shared.observability import logger, metric_names, metrics
from shared.serving.registry import FIRST_RETRY_SECONDS, ModelRegistry
from shared.settings import Settings
from shared.store.local import LocalStore
from tests.support.tamper import tampered


def registry_for(store: LocalStore) -> ModelRegistry:
    return ModelRegistry(store, Settings(model_dir=store.root, model_refresh_seconds=1))


def failures_recorded() -> float:
    documents = metrics.drain()
    return sum(sum(doc.get(metric_names.MODEL_LOAD_FAILURE.name, [])) for doc in documents)


def test_a_moved_alias_swaps_the_model_and_frees_the_old_one(
    local_store: LocalStore, sentiment_model_dir_v2: Path
) -> None:
    # GIVEN a registry serving v1
    registry = registry_for(local_store)
    assert registry.refresh()
    v1 = registry.default()
    v1_ref = weakref.ref(v1.estimator)
    # WHEN v2 is published under the alias and the registry refreshes
    v2_manifest = publish(sentiment_model_dir_v2, local_store, alias="production")
    del v1
    registry.refresh()
    gc.collect()
    # THEN v2 serves and nothing holds v1's estimator any more
    assert registry.default().version == v2_manifest.version
    assert v1_ref() is None


def test_an_unchanged_alias_does_not_reload(local_store: LocalStore) -> None:
    registry = registry_for(local_store)
    registry.refresh()
    before = registry.default()
    registry.refresh()
    assert registry.default() is before


def test_a_tampered_version_is_refused_and_the_old_one_keeps_serving(
    local_store: LocalStore, tmp_path: Path, sentiment_model_dir: Path
) -> None:
    registry = registry_for(local_store)
    registry.refresh()
    serving = registry.default().version
    metrics.drain()
    # GIVEN a new version whose artifact was altered after its manifest was written
    bad_dir = tmp_path / "bad"
    shutil.copytree(sentiment_model_dir, bad_dir)
    manifest = json.loads((bad_dir / "manifest.json").read_text())
    manifest["version"] = "tampered-1"
    (bad_dir / "manifest.json").write_text(json.dumps(manifest))
    publish(bad_dir, local_store, alias=None)
    local_store.write(
        "sentiment/tampered-1/model.skops", tampered((bad_dir / "model.skops").read_bytes())
    )
    local_store.set_alias("sentiment", "production", "tampered-1")
    # WHEN the registry refreshes
    registry.refresh()
    # THEN it keeps serving, and the failure is counted
    assert registry.default().version == serving
    assert failures_recorded() == 1


def test_every_model_with_the_alias_is_served(local_store: LocalStore, tmp_path: Path) -> None:
    from model_build.examples.train_risk import train_risk

    train_risk(tmp_path / "risk")
    publish(tmp_path / "risk", local_store, alias="production")
    registry = registry_for(local_store)
    assert registry.refresh()
    assert registry.served_names() == ["risk", "sentiment"]


class CountingStore(LocalStore):
    """A local store that counts reads by key and fails reads under `failing` prefixes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[str] = []
        self.failing: set[str] = set()

    def read(self, key: str, limit: int | None = None) -> bytes:
        self.reads.append(key)
        if any(key.startswith(prefix) for prefix in self.failing):
            raise StoreError(f"{key}: the store is unreachable")
        return super().read(key, limit)


def tampered_version(store: LocalStore, model_dir: Path, scratch: Path) -> str:
    """Publish a copy of `model_dir` whose artifact no longer matches its manifest."""
    shutil.copytree(model_dir, scratch)
    manifest = json.loads((scratch / "manifest.json").read_text())
    manifest["version"] = "tampered-1"
    (scratch / "manifest.json").write_text(json.dumps(manifest))
    publish(scratch, store, alias=None)
    store.write(
        "sentiment/tampered-1/model.skops", tampered((scratch / "model.skops").read_bytes())
    )
    return "tampered-1"


def test_a_refused_version_is_not_downloaded_again_until_its_alias_moves(
    tmp_path: Path, sentiment_model_dir: Path, sentiment_model_dir_v2: Path
) -> None:
    # GIVEN a registry serving v1, and the alias moved to a tampered version
    store = CountingStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    registry = registry_for(store)
    registry.refresh()
    serving = registry.default().version
    bad = tampered_version(store, sentiment_model_dir, tmp_path / "bad")
    store.set_alias("sentiment", "production", bad)
    metrics.drain()
    # WHEN the registry refreshes again and again
    for _ in range(4):
        registry.refresh()
    # THEN the bad artifact was read once, refused once, and the old version keeps serving
    assert store.reads.count(f"sentiment/{bad}/model.skops") == 1
    assert failures_recorded() == 1
    assert registry.default().version == serving
    # WHEN the alias moves to a good version, it is served at the next refresh
    good = publish(sentiment_model_dir_v2, store, alias="production")
    registry.refresh()
    assert registry.default().version == good.version


def test_a_refused_version_is_tried_again_after_the_long_back_off(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    store = CountingStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    registry = ModelRegistry(store, Settings(model_dir=store.root, model_refused_retry_seconds=0.2))
    registry.refresh()
    bad = tampered_version(store, sentiment_model_dir, tmp_path / "bad")
    store.set_alias("sentiment", "production", bad)
    registry.refresh()
    registry.refresh()
    time.sleep(0.3)
    registry.refresh()
    assert store.reads.count(f"sentiment/{bad}/model.skops") == 2


def test_load_if_due_retries_every_model_that_failed_not_only_the_default(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    from model_build.examples.train_risk import train_risk

    # GIVEN a store whose risk model cannot be read at first (an outage)
    store = CountingStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    train_risk(tmp_path / "risk")
    publish(tmp_path / "risk", store, alias="production")
    store.failing = {"risk/"}
    registry = ModelRegistry(store, Settings(model_dir=store.root, model_refresh_seconds=0))
    # WHEN the first load runs (Lambda's init): the default is ready, risk is not
    assert not registry.load_if_due()
    assert registry.is_ready() and registry.served_names() == ["sentiment"]
    # THEN within the back-off nothing is tried; after it, risk is loaded too
    store.failing = set()
    assert not registry.load_if_due()
    time.sleep(FIRST_RETRY_SECONDS + 0.1)
    assert registry.load_if_due()
    assert registry.served_names() == ["risk", "sentiment"]


def test_a_version_missing_its_artifact_is_logged_once_not_at_every_refresh(
    tmp_path: Path, sentiment_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[dict[str, Any]] = []
    real_error = logger.error

    def record(message: str, *args: Any, **kwargs: Any) -> None:
        logged.append({"message": message, **kwargs.get("extra", {})})
        real_error(message, *args, **kwargs)

    monkeypatch.setattr(logger, "error", record)
    # GIVEN a registry serving v1, and the alias moved to a version whose artifact is missing
    store = CountingStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    registry = registry_for(store)
    registry.refresh()
    serving = registry.default().version
    broken = tampered_version(store, sentiment_model_dir, tmp_path / "bad")
    (store.root / "sentiment" / broken / "model.skops").unlink()
    store.set_alias("sentiment", "production", broken)
    # WHEN the registry refreshes again and again
    for _ in range(4):
        registry.refresh()
    # THEN the failure is logged once, as not transient, and the old version keeps serving
    assert [(e.get("version"), e["transient"]) for e in logged] == [(broken, False)]
    assert "StoreKeyNotFound" in logged[0]["error"]
    assert registry.default().version == serving
    # AND the missing key is not looked for at every refresh either
    assert store.reads.count(f"sentiment/{broken}/model.skops") == 1


class LimitRecordingStore(LocalStore):
    """A local store that remembers the limit each read was given."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.limits: dict[str, int | None] = {}

    def read(self, key: str, limit: int | None = None) -> bytes:
        self.limits[key] = limit
        return super().read(key, limit)


def test_an_artifact_larger_than_its_manifest_says_is_refused_unread(
    tmp_path: Path, sentiment_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[str] = []
    monkeypatch.setattr(logger, "error", lambda message, **kw: logged.append(kw["extra"]["error"]))
    store = LimitRecordingStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    registry = registry_for(store)
    registry.refresh()
    serving = registry.default().version
    # GIVEN a version whose manifest gives its artifact's length, and whose stored artifact is
    # then replaced by 64 MiB more
    scratch = tmp_path / "big"
    shutil.copytree(sentiment_model_dir, scratch)
    artifact = (scratch / "model.skops").read_bytes()
    manifest = json.loads((scratch / "manifest.json").read_text())
    manifest |= {"version": "grown-1", "artifact_bytes": len(artifact)}
    (scratch / "manifest.json").write_text(json.dumps(manifest))
    publish(scratch, store, alias=None)
    store.write("sentiment/grown-1/model.skops", artifact + bytes(64 << 20))
    store.set_alias("sentiment", "production", "grown-1")
    # WHEN the registry refreshes
    registry.refresh()
    # THEN the read was bounded by the manifest's length and refused as too large, not hashed
    assert store.limits["sentiment/grown-1/model.skops"] == len(artifact)
    assert len(logged) == 1 and logged[0].startswith("ObjectTooLarge")
    assert registry.default().version == serving


def test_an_artifact_without_a_declared_length_is_read_up_to_the_ceiling(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    store = LimitRecordingStore(tmp_path / "store")
    manifest = publish(sentiment_model_dir, store, alias="production")
    settings = Settings(model_dir=store.root, model_max_artifact_bytes=1000)
    ModelRegistry(store, settings).refresh()
    key = f"sentiment/{manifest.version}/{manifest.artifact}"
    expected = min(manifest.artifact_bytes or 1000, 1000)
    assert store.limits[key] == expected
