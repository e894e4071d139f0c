"""The model store: one interface, a local-directory and an S3 backend."""

from shared.store.base import ModelStore, NotModified
from shared.store.factory import store_from_option, store_from_settings, store_from_uri

__all__ = [
    "ModelStore",
    "NotModified",
    "store_from_option",
    "store_from_settings",
    "store_from_uri",
]
