"""The real app plus routes that fail on purpose: how a bug or a shed request meets the stack.

Served by uvicorn in integration tests (`uvicorn --factory tests.support.faulty_app:faulty_app`)
and used in-process by unit tests; the extra routes stay out of the OpenAPI document.
"""

import asyncio

from fastapi import FastAPI

from handlers.http.app import create_app
from shared.errors import Overloaded
from shared.settings import Settings
from shared.store import ModelStore

BUG = "kaboom: a bug in a handler"


def add_failing_routes(app: FastAPI) -> FastAPI:
    @app.get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError(BUG)

    @app.get("/shed", include_in_schema=False)
    async def shed() -> None:
        raise Overloaded("Too much work is queued; retry later", retry_after_seconds=3)

    @app.get("/slow", include_in_schema=False)
    async def slow() -> dict[str, str]:
        await asyncio.sleep(0.05)
        return {"status": "ok"}

    return app


def faulty_app(settings: Settings | None = None, store: ModelStore | None = None) -> FastAPI:
    return add_failing_routes(create_app(settings, store))
