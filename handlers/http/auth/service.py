"""The checks a request passes under AUTH_MODE=keys, independent of HTTP: who (a key), which
model, how fast (this process) and how much today (the fleet)."""

from handlers.http.auth.keyring import KeyRing
from handlers.http.auth.leases import QuotaLeases
from handlers.http.auth.ratelimit import ClientRateLimiter
from shared.auth.keys import ClientRecord
from shared.auth.quota_factory import quota_store_for
from shared.errors import ModelNotAllowed, Unauthenticated
from shared.observability import logger
from shared.settings import Settings
from shared.store import ModelStore


class AuthService:
    def __init__(self, keyring: KeyRing, leases: QuotaLeases | None) -> None:
        self.keyring = keyring
        self.limiter = ClientRateLimiter()
        self.leases = leases

    def authenticate(self, presented: str | None) -> ClientRecord:
        if not presented:
            raise Unauthenticated()
        self.keyring.refresh_if_due()
        client = self.keyring.client_for(presented)
        if client is None:
            raise Unauthenticated("Invalid or revoked API key", invalid=True)
        return client

    def identify(self, presented: str) -> ClientRecord | None:
        """The client a presented key names, or None (no error: for open paths)."""
        try:
            return self.authenticate(presented)
        except Unauthenticated:
            return None

    def authorize(self, client: ClientRecord, model: str | None) -> None:
        if model is not None and not client.may_use(model):
            raise ModelNotAllowed(f"Client {client.name!r} may not use model {model!r}")

    async def admit(self, client: ClientRecord, items: int) -> None:
        """Count a request of `items` items (0: not a prediction) against rate and quota."""
        self.limiter.check(client, items)
        if items and self.leases is not None:
            await self.leases.charge(client, items)

    def start(self) -> None:
        self.keyring.start()
        if self.leases is not None:
            self.leases.start()

    def stop(self) -> None:
        self.keyring.stop()
        if self.leases is not None:
            self.leases.stop()


def auth_from_settings(settings: Settings, store: ModelStore) -> AuthService | None:
    """None under AUTH_MODE=none; the key checks and quotas under `keys`."""
    if settings.auth_mode == "none":
        return None
    quotas = quota_store_for(settings, store)
    leases = None
    if quotas is None:
        logger.warning(
            "An S3 store without QUOTA_TABLE_NAME or QUOTA_DB_PATH: daily quotas are not enforced"
        )
    else:
        leases = QuotaLeases(quotas, settings.quota_lease_block, settings.quota_flush_seconds)
    return AuthService(KeyRing(store, settings.keys_refresh_seconds), leases)
