"""`inferno keys create`: an empty --models is refused, never read as "every model" (issue 19,
item 7)."""

from pathlib import Path

import pytest

from handlers.cli import keys_admin
from handlers.cli.main import main
from shared.store.local import LocalStore


@pytest.mark.parametrize("models", ["", " , ", ","])
def test_an_empty_models_list_makes_no_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], models: str
) -> None:
    store = LocalStore(tmp_path / "store")
    # WHEN a key is asked for with --models naming nothing
    code = main(
        ["keys", "create", "--client", "acme", "--models", models, "--store", str(store.root)]
    )
    out, err = capsys.readouterr()
    # THEN it is refused (exit 2), saying why, and no client or key exists
    assert code == 2
    assert out == "" and "names no model" in err and "leave --models out" in err
    assert keys_admin.listing(store) == []


def test_named_models_and_no_models_option_still_make_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = LocalStore(tmp_path / "store")
    assert (
        main(["keys", "create", "--client", "a", "--models", "risk,", "--store", str(store.root)])
        == 0
    )
    assert main(["keys", "create", "--client", "b", "--store", str(store.root)]) == 0
    capsys.readouterr()
    assert {c["name"]: c["models"] for c in keys_admin.listing(store)} == {"a": ["risk"], "b": []}
