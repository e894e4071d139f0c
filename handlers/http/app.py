"""The FastAPI application: `handlers.http.app:app` for uvicorn, wrapped by Mangum for Lambda."""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from handlers.http.admission.declared import undeclared
from handlers.http.admission.stage import AdmissionStage
from handlers.http.auth.service import auth_from_settings
from handlers.http.docs import install_docs, operation_id
from handlers.http.errors import UNEXPECTED, install_error_handlers
from handlers.http.openapi import install_openapi
from handlers.http.request_context import RequestContextMiddleware
from handlers.http.routes import feedback, health, models, predict
from handlers.server.health_port import health_port_served
from shared.capture import capture_from_settings
from shared.events.service import escalations_from_settings
from shared.observability import metrics
from shared.refresher import Refresher
from shared.rollouts.service import rollouts_from_settings
from shared.serving.answers import AnswerListeners
from shared.serving.batching import batcher_from_settings
from shared.serving.gc_policy import collect_less_often
from shared.serving.registry import ModelRegistry
from shared.settings import Settings, get_settings
from shared.store import ModelStore, store_from_settings

INFERENCE_SWITCH_INTERVAL_S = 0.001
DESCRIPTION = """Predictions from scikit-learn-style models kept in a model store.

`POST /predict` answers with the default sentiment model, exactly as the original Inferno API did;
`/models/...` serves every model in the store by name, one item or a batch at a time."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start loading in the background so the process answers /health at once."""
    # The inference threads hold the GIL in Python-level tokenising; a thread that waits for it
    # gets it after the switch interval. 1 ms (not 5) keeps the event loop, and so /health, quick
    # under a flood of batches (measured in `make bench`'s overload scenario).
    sys.setswitchinterval(INFERENCE_SWITCH_INTERVAL_S)
    collect_less_often()  # shared/serving/gc_policy.py: a quarter of the loop's time otherwise
    registry: ModelRegistry = app.state.registry
    settings: Settings = app.state.settings
    async with health_port_served(settings, registry.is_ready):
        if loads_before_serving(settings):
            await asyncio.to_thread(registry.refresh)  # a failure is retried by the thread below
        registry.start()
        if app.state.auth is not None:
            app.state.auth.start()
        app.state.escalations.start()
        # Metrics leave every interval (and once more at shutdown): EMF lines on stdout.
        flusher = Refresher(
            "emf-flush", metrics.flush, settings.metrics_flush_seconds, join_seconds=5
        )
        flusher.start()
        app.state.capture.start()
        if app.state.rollouts is not None:
            await asyncio.to_thread(app.state.rollouts.refresh)  # the plan before the traffic
            app.state.rollouts.start()
        try:
            yield
        finally:
            if app.state.rollouts is not None:
                app.state.rollouts.stop()  # compares what is queued, writes the last counts
            registry.stop()
            if app.state.auth is not None:
                app.state.auth.stop()
            app.state.batcher.shutdown()
            app.state.escalations.stop()  # sends what is queued; counted before the last flush
            app.state.capture.stop()  # after the batcher: the last answers are written too
            flusher.stop()
            metrics.flush()


def loads_before_serving(settings: Settings) -> bool:
    """Whether the models are loaded before the worker accepts a connection (uvicorn opens
    its server once this lifespan's start-up is over).

    Always when workers share the socket: the kernel hands a connection to whichever worker
    accepts first, so one that accepted while loading (a replacement for a worker that died)
    would answer 503 for traffic its loaded siblings could serve. The task's readiness is the
    health port's, which answers meanwhile; a lone worker loads in the background (unless
    asked) so that its own /health answers at once.
    """
    return settings.load_models_before_serving or settings.web_concurrency > 1


def create_app(settings: Settings | None = None, store: ModelStore | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Inferno MLaaS",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # A body without a Content-Type is read as JSON (curl, Lambda events without the header).
        # FastAPI's strict default protects cookie-authenticated browser apps from cross-site
        # posts; no browser credentials reach this API.
        strict_content_type=False,
        # Served from a package (handlers/http/docs.py), not a CDN; ReDoc has no such package.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    store = store or store_from_settings(settings)
    app.state.registry = ModelRegistry(store, settings)
    app.state.auth = auth_from_settings(settings, store)  # None under AUTH_MODE=none
    app.state.batcher = batcher_from_settings(settings)
    app.state.answers = AnswerListeners()  # what acts on answers registers here
    app.state.escalations = escalations_from_settings(
        settings, store, app.state.registry.served_names
    )
    app.state.answers.add(app.state.escalations)
    app.state.capture = capture_from_settings(settings)  # shared/capture: receipts, sampling
    app.state.answers.add(app.state.capture.on_answer)
    app.state.rollouts = rollouts_from_settings(settings, store, app.state.registry)
    if app.state.rollouts is not None:
        app.state.registry.chooser = app.state.rollouts  # a canary's callers get the candidate
        app.state.answers.add(app.state.rollouts.answered)  # compared off the request path
    for module in (health, predict, models, feedback):
        app.include_router(module.router, responses=UNEXPECTED)
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    if missing := undeclared(app.router.routes):  # it would skip the JSON and client checks
        raise RuntimeError(f"Routes that do not declare what they admit: {missing}")
    # Added last = outermost: admission runs inside the request's log context and metrics.
    app.add_middleware(
        AdmissionStage,
        router=app.router,
        auth=app.state.auth,
        batcher=app.state.batcher,
        registry=app.state.registry,
        max_body_bytes=settings.max_body_bytes,
        max_body_values=settings.max_body_values,
    )
    app.add_middleware(
        RequestContextMiddleware,
        access_log_sample_rate=settings.access_log_sample_rate,
        slow_request_ms=settings.slow_request_ms,
    )
    return app


def __getattr__(name: str) -> FastAPI:
    """`app`, made when first asked for (uvicorn's import string, the Lambda entry): importing
    this module builds no state, so the launcher imports it before it forks the workers and each
    worker makes its own (handlers/server/launcher.py)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    made = globals()["app"] = create_app()
    return made
