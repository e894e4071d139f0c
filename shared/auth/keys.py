"""Client keys and the records that hold them: only hashes are stored, never a key.

A key reads `inferno_sk_<id>_<secret>`: the fixed prefix lets secret scanners find leaked keys,
the id (10 hex characters, public) picks the record without comparing secrets, and the secret
is 32 random bytes. With 256 bits of entropy a single SHA-256 is enough: a slow password hash
guards guessable secrets, and these are not guessable.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from pydantic import BaseModel, Field

# The one key file in a store: `inferno keys` writes it, the service re-reads it (keyring).
KEYS_KEY = ".auth/clients.json"
KEY_PREFIX = "inferno_sk_"
# What a leaked-secret scanner should match (documented in handlers/http/AUTH.md).
KEY_PATTERN = re.compile(r"^inferno_sk_([0-9a-f]{10})_[A-Za-z0-9_-]{43}$")
# Compared against when the id is unknown, so an unknown key costs what a known one does.
_NO_SUCH_HASH = hashlib.sha256(b"no such key").hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def new_key() -> tuple[str, str]:
    """A fresh key and its id."""
    key_id = secrets.token_hex(5)
    return f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}", key_id


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(presented: str) -> str | None:
    match = KEY_PATTERN.match(presented)
    return match.group(1) if match else None


class KeyRecord(BaseModel):
    """One key of a client: its public id and the SHA-256 of the whole key."""

    id: str
    sha256: str
    created_at: datetime
    # Set on the old keys by a rotation: they stay valid until then (the grace period).
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or at < self.expires_at)

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(self.sha256, hash_key(presented))


class ClientRecord(BaseModel):
    """A client: the models its keys may use, its rates and its daily quota."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    models: list[str] = Field(default_factory=list, description="Empty: every served model.")
    rate: float = Field(default=10.0, gt=0, description="Requests per second, sustained.")
    burst: int = Field(default=20, gt=0, description="Requests in any one second.")
    item_rate: float = Field(default=100.0, gt=0, description="Items per second, sustained.")
    item_burst: int = Field(default=256, gt=0, description="Items in any one second.")
    daily_quota: int | None = Field(default=None, gt=0, description="Items per UTC day, fleet.")
    keys: list[KeyRecord] = Field(default_factory=list)

    def may_use(self, model: str) -> bool:
        return not self.models or model in self.models


class KeyFile(BaseModel):
    """The one document holding every client (`.auth/clients.json` in the model store)."""

    clients: dict[str, ClientRecord] = Field(default_factory=dict)


def find_client(
    index: dict[str, tuple[KeyRecord, ClientRecord]], presented: str
) -> ClientRecord | None:
    """The client whose active key this is; the secret is compared in constant time."""
    key_id = key_id_of(presented)
    found = index.get(key_id) if key_id else None
    if found is None:
        hmac.compare_digest(_NO_SUCH_HASH, hash_key(presented))
        return None
    key, client = found
    if not key.matches(presented) or not key.active(now()):
        return None
    return client


def index_keys(keys: KeyFile) -> dict[str, tuple[KeyRecord, ClientRecord]]:
    return {key.id: (key, client) for client in keys.clients.values() for key in client.keys}
