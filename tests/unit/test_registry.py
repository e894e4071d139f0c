"""The registry loads, swaps atomically, refuses bad versions and frees what it swapped out."""

import gc
import json
import shutil
import weakref
from pathlib import Path

from model_build.publish import publish
from shared import metric_names
from shared.observability import metrics
from shared.registry import ModelRegistry
from shared.settings import Settings
from shared.store.local import LocalStore


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
        "sentiment/tampered-1/model.skops", (bad_dir / "model.skops").read_bytes() + b"x"
    )
    local_store.set_alias("sentiment", "production", "tampered-1")
    # WHEN the registry refreshes
    registry.refresh()
    # THEN it keeps serving, and the failure is counted
    assert registry.default().version == serving
    assert failures_recorded() == 1


def test_every_model_with_the_alias_is_served(local_store: LocalStore, tmp_path: Path) -> None:
    from model_build.train_risk import train_risk

    train_risk(tmp_path / "risk")
    publish(tmp_path / "risk", local_store, alias="production")
    registry = registry_for(local_store)
    assert registry.refresh()
    assert registry.served_names() == ["risk", "sentiment"]
