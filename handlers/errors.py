"""Every failure becomes a JSON body that says what is wrong, with the right status."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.errors import InfernoError, InvalidInput, ModelNotLoaded, UnknownModel
from shared.observability import logger

MODEL_NOT_LOADED = "Model is not loaded or failed to load. Check server logs."


async def inferno_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InfernoError)
    body: dict[str, Any]
    if isinstance(exc, ModelNotLoaded):
        body = {"detail": MODEL_NOT_LOADED}
    elif isinstance(exc, UnknownModel):
        served = request.app.state.registry.served_names()
        listed = ", ".join(served) or "none"
        body = {
            "detail": f"Unknown model {exc.args[0]!r}. Served models: {listed}",
            "served_models": served,
        }
    elif isinstance(exc, InvalidInput):
        body = {"detail": exc.args[0]}
    else:
        logger.error("Request failed", extra={"error": f"{type(exc).__name__}: {exc}"})
        body = {"detail": str(exc)}
    return JSONResponse(body, status_code=exc.status_code)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    malformed = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if malformed is not None:
        reason = malformed.get("ctx", {}).get("error", "invalid JSON")
        position = malformed["loc"][-1]
        return JSONResponse(
            {"detail": f"Malformed JSON body: {reason} at position {position}"}, status_code=400
        )
    # The offending input is left out: it may be a 5,000-character text.
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return JSONResponse({"detail": detail}, status_code=422)


def body_too_large(limit: int) -> str:
    return f"Request body is larger than the {limit}-byte limit"


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail: Any = exc.detail
    if exc.status_code == 413:
        detail = body_too_large(request.app.state.settings.max_body_bytes)
    elif exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "Request body could not be parsed: it must be UTF-8 encoded JSON"
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error")
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InfernoError, inferno_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
