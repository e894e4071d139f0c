"""The quota store a process counts in: the fleet's table, a machine's file, or none (see
quota_store.py for the rule). Apart from the interface, so the backends can import it."""

from pathlib import Path

from shared.auth.quota_store import LOCAL_QUOTA_FILE, QuotaStore
from shared.settings import Settings
from shared.store import ModelStore
from shared.store.local import LocalStore


def quota_file_path(settings: Settings, store: ModelStore) -> Path | None:
    if settings.quota_db_path is not None:
        return settings.quota_db_path
    if isinstance(store, LocalStore):
        return store.root / LOCAL_QUOTA_FILE
    return None


def quota_store_for(settings: Settings, store: ModelStore) -> QuotaStore | None:
    """The table, the file, or None (an S3 store without a table: quotas not enforced)."""
    # Imported here: boto3 costs start-up time a local file never needs.
    if settings.quota_table_name:
        from shared.auth.quota_table import QuotaTable

        return QuotaTable(settings.quota_table_name)
    path = quota_file_path(settings, store)
    if path is None:
        return None
    from shared.auth.quota_file import QuotaFile

    return QuotaFile(path)
