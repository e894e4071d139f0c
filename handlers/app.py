"""The FastAPI application: `handlers.app:app` for uvicorn, wrapped by Mangum for Lambda."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from handlers import health, models, predict
from handlers.errors import install_error_handlers
from handlers.middleware import ContentLengthGuard, RequestContextMiddleware
from shared.batching import PredictionBatcher
from shared.observability import metrics
from shared.registry import ModelRegistry
from shared.settings import Settings, get_settings
from shared.store import ModelStore, store_from_settings

DESCRIPTION = """Predictions from scikit-learn-style models kept in a model store.

`POST /predict` answers with the default sentiment model, exactly as the original Inferno API did;
`/models/...` serves every model in the store by name, one item or a batch at a time."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start loading in the background so the process answers /health at once."""
    registry: ModelRegistry = app.state.registry
    registry.start()
    metrics.start_periodic_flush(app.state.settings.metrics_flush_seconds)
    try:
        yield
    finally:
        registry.stop()
        metrics.stop_periodic_flush()


def create_app(settings: Settings | None = None, store: ModelStore | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Inferno MLaaS",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = ModelRegistry(store or store_from_settings(settings), settings)
    app.state.batcher = PredictionBatcher(settings.max_batch_size, settings.max_batch_chars)
    for module in (health, predict, models):
        app.include_router(module.router)
    install_error_handlers(app)
    # Added last = outermost. Streaming bodies are counted by Starlette's limiter (its 413 is
    # raised inside the route and becomes JSON); declared oversize ones never get that far.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(ContentLengthGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app


app = create_app()
