"""A store in a local directory: what only it has to refuse."""

from pathlib import Path

import pytest

from shared.errors import StoreKeyNotFound
from shared.store.local import LocalStore


def test_local_store_refuses_keys_that_escape_its_root(tmp_path: Path) -> None:
    with pytest.raises(StoreKeyNotFound):
        LocalStore(tmp_path / "store").read("../../etc/passwd")
