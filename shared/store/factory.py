"""Pick the store backend from settings or from a URI given on the command line."""

from pathlib import Path

from shared.settings import Settings, get_settings
from shared.store.base import ModelStore
from shared.store.local import LocalStore

# S3Store is imported where it is used: boto3 costs ~0.3 s that a local store never needs.


def store_from_settings(settings: Settings) -> ModelStore:
    if settings.model_bucket_name:
        from shared.store.s3 import S3Store

        return S3Store(settings.model_bucket_name, settings.model_prefix)
    return LocalStore(settings.model_dir)


def store_from_uri(uri: str) -> ModelStore:
    """`s3://bucket/prefix` or a local directory path."""
    if uri.startswith("s3://"):
        from shared.store.s3 import S3Store

        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        return S3Store(bucket, prefix)
    return LocalStore(Path(uri.removeprefix("file://")))


def store_from_option(uri: str | None, settings: Settings | None = None) -> ModelStore:
    """The store a command's `--store` option names, else the one the settings name."""
    if uri:
        return store_from_uri(uri)
    return store_from_settings(settings or get_settings())
