"""Pick the store backend from settings or from a URI given on the command line."""

from pathlib import Path

from shared.settings import Settings
from shared.store.base import ModelStore
from shared.store.local import LocalStore
from shared.store.s3 import S3Store


def store_from_settings(settings: Settings) -> ModelStore:
    if settings.model_bucket_name:
        return S3Store(settings.model_bucket_name, settings.model_prefix)
    return LocalStore(settings.model_dir)


def store_from_uri(uri: str) -> ModelStore:
    """`s3://bucket/prefix` or a local directory path."""
    if uri.startswith("s3://"):
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        return S3Store(bucket, prefix)
    return LocalStore(Path(uri.removeprefix("file://")))
