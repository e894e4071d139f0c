"""Where rollouts live in the model store, beside the model's aliases:

<name>/rollouts/current.json                     the rollout, running or last decided
<name>/rollouts/history/<rollout id>.json        each decided rollout, with its decision
<name>/rollouts/tallies/<rollout id>/<worker>.json  each worker's counts, summed to decide
"""

from datetime import datetime

from pydantic import BaseModel

from shared.errors import StoreKeyNotFound
from shared.rollouts.plan import Rollout
from shared.rollouts.tally import Figures
from shared.store import ModelStore
from shared.store.base import ROLLOUTS_DIR

ROLLOUT_MAX_BYTES = 16 << 10
TALLY_MAX_BYTES = 16 << 10


class Decided(BaseModel):
    """A closed rollout as history keeps it: the plan, the verdict and the figures behind it."""

    rollout: Rollout
    figures: dict[str, float | int | None]
    decided_by: str  # "policy", "alarm", or the operator's command


def current_key(name: str) -> str:
    return f"{name}/{ROLLOUTS_DIR}/current.json"


def tally_key(rollout: Rollout, worker: str) -> str:
    return f"{rollout.model}/{ROLLOUTS_DIR}/tallies/{rollout.id}/{worker}.json"


def read_current(store: ModelStore, name: str) -> Rollout | None:
    try:
        data = store.read(current_key(name), ROLLOUT_MAX_BYTES)
    except StoreKeyNotFound:
        return None
    return Rollout.model_validate_json(data)


def write_current(store: ModelStore, rollout: Rollout) -> None:
    store.write(current_key(rollout.model), rollout.model_dump_json(indent=2).encode())


def write_tally(store: ModelStore, rollout: Rollout, worker: str, figures: Figures) -> None:
    store.write(tally_key(rollout, worker), figures.model_dump_json().encode())


def read_figures(store: ModelStore, rollout: Rollout) -> Figures:
    """Every worker's counts for this rollout, summed (workers that restarted left theirs)."""
    folder = f"{rollout.model}/{ROLLOUTS_DIR}/tallies/{rollout.id}"
    parts = [
        Figures.model_validate_json(store.read(f"{folder}/{entry}", TALLY_MAX_BYTES))
        for entry in store.list_children(folder)
        if entry.endswith(".json")
    ]
    return Figures.total(parts)


def append_history(store: ModelStore, decided: Decided) -> None:
    rollout = decided.rollout
    key = f"{rollout.model}/{ROLLOUTS_DIR}/history/{rollout.id}.json"
    store.write(key, decided.model_dump_json(indent=2).encode())


def read_history(store: ModelStore, name: str) -> list[Decided]:
    folder = f"{name}/{ROLLOUTS_DIR}/history"
    return sorted(
        (
            Decided.model_validate_json(store.read(f"{folder}/{entry}", ROLLOUT_MAX_BYTES))
            for entry in store.list_children(folder)
            if entry.endswith(".json")
        ),
        key=lambda decided: decided.rollout.started_at,
    )


def closed(rollout: Rollout, verdict: str, reason: str, now: datetime) -> Rollout:
    state = "promoted" if verdict == "promote" else "aborted"
    return rollout.model_copy(update={"state": state, "decided_at": now, "reason": reason})
