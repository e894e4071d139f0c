"""What every store backend offers, and the registry layout built on it.

Layout under the store's root:
    <name>/<version>/model.skops        the artifact
    <name>/<version>/manifest.json      its manifest
    <name>/aliases/<alias>.json         {"version": "..."}: which version an alias serves
    <name>/rules/escalation.json        the model's escalation rules (shared/events/rules.py)
    <name>/rollouts/...                 a candidate judged on live traffic (shared/rollouts/)
"""

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass

from shared.errors import ObjectTooLarge, StoreKeyNotFound
from shared.manifest import MANIFEST_FILENAME, ModelManifest

ALIASES_DIR = "aliases"
RULES_DIR = "rules"
# What lives beside a model's versions and is not one.
ROLLOUTS_DIR = "rollouts"
NOT_VERSIONS = frozenset({ALIASES_DIR, RULES_DIR, ROLLOUTS_DIR})
# The most a store object that is read whole before it is checked may hold: past it the object
# is refused unread (a 400 MiB "manifest" must not cost 400 MB before its signature check).
MANIFEST_MAX_BYTES = 1 << 20
SIGNATURE_MAX_BYTES = 16 << 10
ALIAS_MAX_BYTES = 4 << 10


@dataclass(frozen=True)
class NotModified:
    """A conditional read found the object unchanged since the token the caller holds."""

    token: str


class ModelStore(ABC):
    """Bytes by key, plus the registry operations every backend shares."""

    @abstractmethod
    def describe(self) -> str:
        """Where the store lives, for logs."""

    @abstractmethod
    def read(self, key: str, limit: int | None = None) -> bytes:
        """The object's bytes; StoreKeyNotFound if absent, StoreError if unreachable,
        ObjectTooLarge (nothing read past `limit` bytes) if it holds more than `limit`."""

    @abstractmethod
    def read_if_changed(
        self, key: str, token: str | None, limit: int | None = None
    ) -> tuple[bytes, str] | NotModified:
        """The object and its change token, or NotModified when `token` is still current."""

    @abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there."""

    @abstractmethod
    def list_children(self, prefix: str) -> list[str]:
        """Names directly below `prefix` ("" for the root), sorted."""

    # Registry operations, the same for every backend.

    def model_names(self) -> list[str]:
        # Dot-names are not models (`.auth/` holds client keys); a local listing hides them too.
        return [name for name in self.list_children("") if not name.startswith(".")]

    def versions(self, name: str) -> list[str]:
        return [child for child in self.list_children(name) if child not in NOT_VERSIONS]

    def aliases(self, name: str) -> dict[str, str]:
        names = self.list_children(f"{name}/{ALIASES_DIR}")
        aliases = (entry.removesuffix(".json") for entry in names if entry.endswith(".json"))
        return {alias: self.alias_version(name, alias) for alias in aliases}

    def alias_version(self, name: str, alias: str) -> str:
        return parse_alias(self.read(alias_key(name, alias), ALIAS_MAX_BYTES))

    def set_alias(self, name: str, alias: str, version: str) -> None:
        if version not in self.versions(name):
            raise StoreKeyNotFound(f"model {name!r} has no version {version!r}")
        self.write(alias_key(name, alias), json.dumps({"version": version}).encode())

    def manifest(self, name: str, version: str) -> ModelManifest:
        return ModelManifest.model_validate_json(
            self.read(version_key(name, version, MANIFEST_FILENAME), MANIFEST_MAX_BYTES)
        )


def version_key(name: str, version: str, filename: str) -> str:
    return f"{name}/{version}/{filename}"


def alias_key(name: str, alias: str) -> str:
    return f"{name}/{ALIASES_DIR}/{alias}.json"


def too_large(key: str, where: str, limit: int, size: int | None = None) -> ObjectTooLarge:
    held = f"{size} bytes" if size is not None else f"over {limit} bytes"
    return ObjectTooLarge(f"{key} in {where} holds {held}; at most {limit} are read: refused")


def parse_alias(data: bytes) -> str:
    version = json.loads(data)["version"]
    if not isinstance(version, str):
        raise ValueError("alias pointer has no version string")
    return version
