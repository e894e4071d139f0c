"""The Lambda entry module imported afresh over a given app, as a new execution environment
imports it; the previous import is restored after."""

import asyncio
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI

import handlers
import handlers.http.app as http_app

ENTRY = "handlers.lambda_function"
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@contextmanager
def fresh_entry(app: FastAPI) -> Iterator[Handler]:
    """`handlers.lambda_function.handler`, wrapping `app` instead of the module's own."""
    previous = sys.modules.pop(ENTRY, None)
    # Mangum runs each invocation on the thread's event loop: the environment's one loop, closed
    # with it here (left open, its sockets would be reported in whichever test collects them).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    with pytest.MonkeyPatch.context() as patch:
        # The entry wraps `handlers.http.app.app`: give it the one under test.
        patch.setattr(http_app, "app", app)
        try:
            yield importlib.import_module(ENTRY).handler
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            sys.modules.pop(ENTRY, None)
            if previous is None:
                vars(handlers).pop("lambda_function", None)
            else:
                sys.modules[ENTRY] = previous
                handlers.lambda_function = previous  # type: ignore[attr-defined]
