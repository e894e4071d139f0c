"""The reference profile: a bounded, seeded sample of what a model version saw and answered at
training (or packaging) time, flattened into the columns a drift report compares.

Written beside the artifact as `drift_reference.json`, so `inferno publish` carries it into the
store with its version; its sha256 is recorded in the (signed) manifest's metrics, and a profile
that does not match is refused. It never holds a text: text models keep descriptors.
"""

import hashlib
import json
import random
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.drift import descriptors
from shared.drift.columns import Column, columns_for, row
from shared.drift.errors import NoReference
from shared.manifest import ModelManifest, TextInputSchema

PROFILE_FILENAME = "drift_reference.json"
MAX_ROWS = 5_000  # enough for the tests' power on a dozen columns; a few hundred KiB at most
MANIFEST_KEY = "drift_reference"  # where the manifest's metrics name the profile and its hash


class ReferenceProfile(BaseModel):
    format: Literal[1] = 1
    model: str
    # Not written: the profile is the version's through the sha256 its manifest records, and the
    # same data gives the same bytes (training twice gives the same manifest metrics).
    version: str = Field(default="", exclude=True)
    kind: str
    text_field: str | None
    descriptors: str | None
    source_rows: int
    seed: int
    columns: list[Column]
    data: dict[str, list[float | str | None]]

    @property
    def rows(self) -> int:
        return len(next(iter(self.data.values()), []))


def sample_indices(total: int, seed: int, max_rows: int = MAX_ROWS) -> list[int]:
    """Which rows the profile keeps: all of them up to `max_rows`, else a seeded sample in order."""
    if total <= max_rows:
        return list(range(total))
    return sorted(random.Random(seed).sample(range(total), max_rows))


def build_profile(
    manifest: ModelManifest,
    items: Sequence[Any],
    outputs: Sequence[Any],
    *,
    source_rows: int,
    seed: int,
) -> ReferenceProfile:
    """The profile of `items` (request objects) and the model's `outputs` for them."""
    if len(items) > MAX_ROWS:
        raise ValueError(f"a reference profile holds at most {MAX_ROWS} rows, not {len(items)}")
    schema = manifest.input_schema
    text_field = schema.field if isinstance(schema, TextInputSchema) else None
    columns = columns_for(schema, manifest.kind)
    rows = [
        row(columns, text_field, manifest.kind, item, output)
        for item, output in zip(items, outputs, strict=True)
    ]
    return ReferenceProfile(
        model=manifest.name,
        version=manifest.version,
        kind=manifest.kind,
        text_field=text_field,
        descriptors=descriptors.VERSION if text_field is not None else None,
        source_rows=source_rows,
        seed=seed,
        columns=columns,
        data={c.name: [r.get(c.name) for r in rows] for c in columns},
    )


def profile_bytes(profile: ReferenceProfile) -> bytes:
    return (json.dumps(profile.model_dump(mode="json"), separators=(",", ":")) + "\n").encode()


def manifest_entry(data: bytes, profile: ReferenceProfile) -> dict[str, Any]:
    """What the manifest records of its profile (signed with it)."""
    return {
        "file": PROFILE_FILENAME,
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": profile.rows,
        "source_rows": profile.source_rows,
    }


def parse_profile(data: bytes, manifest: ModelManifest) -> ReferenceProfile:
    """The profile of `manifest`'s version, checked against the hash its manifest records."""
    entry = manifest.metrics.get(MANIFEST_KEY)
    where = f"{manifest.name}/{manifest.version}"
    if not isinstance(entry, dict) or "sha256" not in entry:
        raise NoReference(f"{where}: its manifest records no reference profile")
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise NoReference(f"{where}: {PROFILE_FILENAME} does not match its manifest's sha256")
    try:
        profile = ReferenceProfile.model_validate_json(data)
    except ValueError as exc:
        raise NoReference(f"{where}: {PROFILE_FILENAME} is not a reference profile") from exc
    if profile.model != manifest.name:
        raise NoReference(f"{where}: {PROFILE_FILENAME} is {profile.model}'s")
    return profile.model_copy(update={"version": manifest.version})
