"""Which store a setting or a command-line URI names."""

from pathlib import Path

from shared.settings import Settings
from shared.store.factory import store_from_option, store_from_settings, store_from_uri
from shared.store.local import LocalStore
from shared.store.s3 import S3Store


def test_a_bucket_setting_picks_s3_else_the_model_directory(tmp_path: Path) -> None:
    s3 = store_from_settings(
        Settings(model_dir=tmp_path, model_bucket_name="bucket", model_prefix="models/prod")
    )
    assert isinstance(s3, S3Store) and s3.describe() == "s3://bucket/models/prod"
    local = store_from_settings(Settings(model_dir=tmp_path))
    assert isinstance(local, LocalStore)


def test_an_s3_uri_splits_into_bucket_and_prefix_and_anything_else_is_a_directory(
    tmp_path: Path,
) -> None:
    s3 = store_from_uri("s3://bucket/models/prod")
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("bucket", "models/prod")
    assert isinstance(store_from_uri(str(tmp_path)), LocalStore)
    assert (
        store_from_uri(f"file://{tmp_path}").describe() == store_from_uri(str(tmp_path)).describe()
    )


def test_a_store_option_wins_over_the_settings(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path / "settings", model_bucket_name="bucket")
    named = store_from_option(str(tmp_path / "named"), settings)
    assert named.describe() == store_from_uri(str(tmp_path / "named")).describe()
    assert isinstance(store_from_option(None, settings), S3Store)
    assert isinstance(store_from_option("", settings), S3Store)
