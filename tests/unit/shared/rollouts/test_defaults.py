"""A model's rollout defaults in the store: written and read back, defaults when absent, bad
JSON refused."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.rollouts.defaults import RolloutDefaults, defaults_key, read_defaults, write_defaults
from shared.rollouts.plan import Policy
from shared.store.local import LocalStore


def test_a_model_without_defaults_gets_a_tenth_in_shadow(tmp_path: Path) -> None:
    defaults = read_defaults(LocalStore(tmp_path), "fraud")
    assert defaults == RolloutDefaults(mode="shadow", share=0.1, policy=Policy())


def test_written_defaults_are_read_back_for_that_model_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    chosen = RolloutDefaults(mode="canary", share=0.25, policy=Policy(min_compared=7))
    write_defaults(store, "fraud", chosen)
    assert store.read(defaults_key("fraud"))  # where `inferno rollout policy` writes
    assert read_defaults(store, "fraud") == chosen
    assert read_defaults(store, "churn") == RolloutDefaults()


@pytest.mark.parametrize(
    "stored",
    [b"not json", b'{"share": 2}', b'{"mode": "everyone"}', b'{"shares": 0.5}'],
)
def test_defaults_that_are_not_valid_are_refused(tmp_path: Path, stored: bytes) -> None:
    store = LocalStore(tmp_path)
    store.write(defaults_key("fraud"), stored)
    with pytest.raises(ValidationError):
        read_defaults(store, "fraud")
