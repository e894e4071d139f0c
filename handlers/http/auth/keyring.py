"""The key records this process checks keys against, re-read the way aliases are.

A conditional read every KEYS_REFRESH_SECONDS costs one 304 while nothing changed; a revoked or
expired key is refused from the next refresh on, without a restart. The container refreshes on
a thread; Lambda, which has no background thread, refreshes inline when a refresh is due.
"""

import time

from pydantic import ValidationError

from shared.auth.keys import KEYS_KEY, ClientRecord, KeyFile, KeyRecord, find_client, index_keys
from shared.errors import InfernoError, StoreKeyNotFound
from shared.observability import logger
from shared.refresher import Refresher
from shared.store import ModelStore, NotModified


class KeyRing:
    def __init__(self, store: ModelStore, refresh_seconds: float) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._index: dict[str, tuple[KeyRecord, ClientRecord]] = {}
        self._token: str | None = None
        self._next_refresh = 0.0
        self._refresher = Refresher("key-refresh", self.refresh, refresh_seconds)

    def client_for(self, presented: str) -> ClientRecord | None:
        return find_client(self._index, presented)

    def refresh(self) -> None:
        """Re-read the key file if it changed; on a failure keep the records already held."""
        self._next_refresh = time.monotonic() + self.refresh_seconds
        try:
            answer = self.store.read_if_changed(KEYS_KEY, self._token)
        except StoreKeyNotFound:
            if self._index or self._token is None:
                logger.warning("No key file: every client key is refused", extra={"key": KEYS_KEY})
            self._index, self._token = {}, ""
            return
        except InfernoError as exc:
            logger.error(
                "Cannot read key records; keeping the ones held", extra={"error": str(exc)}
            )
            return
        if isinstance(answer, NotModified):
            return
        data, token = answer
        try:
            keys = KeyFile.model_validate_json(data)
        except ValidationError as exc:
            logger.error("Key file is invalid; keeping the records held", extra={"error": str(exc)})
            return
        self._index, self._token = index_keys(keys), token
        logger.info("Key records loaded", extra={"clients": len(keys.clients)})

    def refresh_if_due(self) -> None:
        """For runtimes with no refresh thread (Lambda): refresh inline once an interval."""
        if not self._refresher.running and time.monotonic() >= self._next_refresh:
            self.refresh()

    def start(self) -> None:
        if self._refresher.running:
            return
        self.refresh()
        self._refresher.start()

    def stop(self) -> None:
        self._refresher.stop()
