"""Where the settings find things when a person runs a command from some folder."""

import subprocess
import sys
from pathlib import Path

import pytest

from model_build.release.publish import publish
from shared.settings import CHECKOUT, Settings
from shared.store.local import LocalStore


def test_the_local_store_is_the_checkouts_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a person in some other folder, with no MODEL_DIR set
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODEL_DIR", raising=False)
    # THEN the store is the checkout's, not a `model_store` below that folder
    assert Settings().model_dir == CHECKOUT / "model_store"
    # AND an explicit setting still wins
    monkeypatch.setenv("MODEL_DIR", "elsewhere")
    assert Settings().model_dir == Path("elsewhere")


def test_inferno_models_says_where_it_looked(tmp_path: Path, sentiment_model_dir: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store)
    for root in (store.root, tmp_path / "empty"):
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli.main", "models", "--store", str(root)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(CHECKOUT), "HOME": str(tmp_path)},
        )
        assert f"store: file://{root.resolve()}" in done.stderr
    assert "no models there yet" in done.stderr
