"""The embedded default: a local store holding a trained sentiment model, made on first use."""

import logging
import tempfile
from pathlib import Path

from model_build.release.publish import publish
from model_build.sentiment.train_sentiment import train_sentiment
from shared.settings import Settings
from shared.store.local import LocalStore

logger = logging.getLogger(__name__)


def ensure_default_model(settings: Settings) -> None:
    store = LocalStore(settings.model_dir)
    if store.versions(settings.model_name):  # a model's rules alone (shared/events) are no model
        return
    logger.info(
        "No model in %s yet: training the default sentiment model (about three minutes)",
        store.describe(),
    )
    with tempfile.TemporaryDirectory() as scratch:
        manifest = train_sentiment(Path(scratch) / "model")
        publish(Path(scratch) / "model", store, alias=settings.model_alias)
    logger.info("Published %s/%s to %s", manifest.name, manifest.version, store.describe())
