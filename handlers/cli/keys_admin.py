"""What `inferno keys` does to the key file in a store: create, list, revoke, rotate.

Writes replace the one document; key administration is a rare operator action, so two operators
editing at the same instant is not guarded against (the last write wins; S3 versioning keeps
the other). The service only reads this file.
"""

from datetime import timedelta
from typing import Any

from shared.auth.keys import KEYS_KEY, ClientRecord, KeyFile, KeyRecord, hash_key, new_key, now
from shared.errors import InfernoError, StoreKeyNotFound
from shared.store import ModelStore


class KeyAdminError(InfernoError):
    """A key command that cannot be carried out (unknown or duplicate client)."""

    status_code = 400


def load(store: ModelStore) -> KeyFile:
    try:
        return KeyFile.model_validate_json(store.read(KEYS_KEY))
    except StoreKeyNotFound:
        return KeyFile()


def save(store: ModelStore, keys: KeyFile) -> None:
    store.write(KEYS_KEY, keys.model_dump_json(indent=2).encode())


def _issue(client: ClientRecord) -> str:
    key, key_id = new_key()
    client.keys.append(KeyRecord(id=key_id, sha256=hash_key(key), created_at=now()))
    return key


def create(store: ModelStore, client: ClientRecord) -> str:
    """A new client with one key; the key is returned once and stored only as a hash."""
    keys = load(store)
    if client.name in keys.clients:
        raise KeyAdminError(f"client {client.name!r} exists; use `inferno keys rotate`")
    key = _issue(client)
    keys.clients[client.name] = client
    save(store, keys)
    return key


def _client(keys: KeyFile, name: str) -> ClientRecord:
    if name not in keys.clients:
        raise KeyAdminError(f"no client {name!r}")
    return keys.clients[name]


def revoke(store: ModelStore, name: str, key_id: str | None = None) -> list[str]:
    """Revoke one key of a client, or all of them; returns the ids revoked."""
    keys = load(store)
    client = _client(keys, name)
    revoked = []
    for key in client.keys:
        if key.revoked_at is None and key_id in (None, key.id):
            key.revoked_at = now()
            revoked.append(key.id)
    if key_id and not revoked:
        raise KeyAdminError(f"client {name!r} has no active key {key_id!r}")
    save(store, keys)
    return revoked


def rotate(store: ModelStore, name: str, grace: timedelta) -> str:
    """A new key; the client's current keys stay valid for `grace`, then expire."""
    keys = load(store)
    client = _client(keys, name)
    ends = now() + grace
    for old in client.keys:
        if old.active(now()) and (old.expires_at is None or old.expires_at > ends):
            old.expires_at = ends
    key = _issue(client)
    save(store, keys)
    return key


def listing(store: ModelStore) -> list[dict[str, Any]]:
    """Every client and its keys' ids and states; never a hash, never a key."""
    at = now()
    return [
        {
            **client.model_dump(exclude={"keys"}),
            "keys": [
                {
                    "id": key.id,
                    "active": key.active(at),
                    **key.model_dump(mode="json", exclude={"id", "sha256"}),
                }
                for key in client.keys
            ],
        }
        for client in load(store).clients.values()
    ]
