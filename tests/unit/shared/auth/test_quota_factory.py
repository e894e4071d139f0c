"""Which quota store a service counts in: DynamoDB when named, else a local store's file."""

from pathlib import Path

from handlers.http.auth.service import auth_from_settings
from shared.auth.quota_factory import quota_store_for
from shared.auth.quota_file import QuotaFile
from shared.auth.quota_table import QuotaTable
from shared.settings import Settings
from shared.store.local import LocalStore
from shared.store.s3 import S3Store


def test_a_local_store_counts_in_a_file_beside_its_keys(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    quotas = quota_store_for(Settings(model_dir=store.root), store)
    assert isinstance(quotas, QuotaFile)
    assert quotas.path == store.root / ".auth" / "quotas.sqlite3"


def test_quota_db_path_names_the_file_even_for_an_s3_store(tmp_path: Path) -> None:
    settings = Settings(model_bucket_name="bucket", quota_db_path=tmp_path / "q.sqlite3")
    quotas = quota_store_for(settings, S3Store("bucket"))
    assert isinstance(quotas, QuotaFile) and quotas.path == tmp_path / "q.sqlite3"


def test_a_table_name_picks_dynamodb_over_any_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    settings = Settings(quota_table_name="quotas", quota_db_path=tmp_path / "q.sqlite3")
    quotas = quota_store_for(settings, store)
    assert isinstance(quotas, QuotaTable) and quotas.name == "quotas"


def test_an_s3_store_without_a_table_enforces_no_quota() -> None:
    # A file would count one machine's share of a fleet: no default, a warning at start.
    settings = Settings(model_bucket_name="bucket", auth_mode="keys")
    store = S3Store("bucket")
    assert quota_store_for(settings, store) is None
    auth = auth_from_settings(settings, store)
    assert auth is not None and auth.leases is None


def test_keys_on_a_local_store_enforce_quotas(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    auth = auth_from_settings(Settings(model_dir=store.root, auth_mode="keys"), store)
    assert auth is not None and auth.leases is not None
    assert isinstance(auth.leases.quotas, QuotaFile)
