"""How a model's new versions are rolled out unless told otherwise: mode, share and policy,
kept in the store (`<name>/rollouts/policy.json`) and set with `inferno rollout policy`.
The daily retraining task starts every rollout from these."""

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import StoreKeyNotFound
from shared.rollouts.plan import Mode, Policy
from shared.store import ModelStore
from shared.store.base import ROLLOUTS_DIR

DEFAULTS_MAX_BYTES = 16 << 10


class RolloutDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode = "shadow"
    share: float = Field(default=0.1, ge=0, le=1)
    policy: Policy = Field(default_factory=Policy)


def defaults_key(name: str) -> str:
    return f"{name}/{ROLLOUTS_DIR}/policy.json"


def read_defaults(store: ModelStore, name: str) -> RolloutDefaults:
    try:
        data = store.read(defaults_key(name), DEFAULTS_MAX_BYTES)
    except StoreKeyNotFound:
        return RolloutDefaults()
    return RolloutDefaults.model_validate_json(data)


def write_defaults(store: ModelStore, name: str, defaults: RolloutDefaults) -> None:
    store.write(defaults_key(name), defaults.model_dump_json(indent=2).encode())
