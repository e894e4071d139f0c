"""The embedded default is made only where no model is: a store holding a version is left as it
is. (Training the default, about three minutes, is not run here.)"""

from pathlib import Path

from model_build.bootstrap import ensure_default_model
from shared.settings import get_settings
from shared.store.local import LocalStore


def test_a_store_that_holds_the_model_is_left_as_it_is(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write("sentiment/v1/manifest.json", b"{}")
    store.set_alias("sentiment", "production", "v1")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    settings = get_settings().model_copy(update={"model_dir": tmp_path, "model_name": "sentiment"})
    ensure_default_model(settings)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
