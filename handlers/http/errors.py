"""Every failure becomes a JSON body that says what is wrong, with the right status."""

import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from handlers.http.caller import may_see
from handlers.http.schemas import ErrorResponse
from shared.errors import ClientDisconnected, InfernoError, UnknownModel, problems_body
from shared.observability import logger


async def inferno_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InfernoError)
    if isinstance(exc, UnknownModel):  # name only the models the caller's key may use
        exc = UnknownModel(exc.args[0], [name for name in exc.served if may_see(request, name)])
    if exc.status_code >= 500:
        # The request's access line (always written for an error) carries the reason: one line.
        logger.thread_safe_append_keys(error=f"{type(exc).__name__}: {exc}")
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())


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
    # The offending input is left out (it may be a 5,000-character text), and so are all but
    # the first few problems (shared/errors.py).
    return JSONResponse(problems_body(list(errors)), status_code=422)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail: Any = exc.detail
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        # FastAPI's one answer for every failure to read the body; its cause says which.
        if isinstance(exc.__cause__, ClientDisconnect):
            return await inferno_error(request, ClientDisconnected("The client left mid-body"))
        detail = "Request body could not be parsed: it must be UTF-8 encoded JSON"
        if isinstance(exc.__cause__, ValueError) and "digits" in str(exc.__cause__):
            detail = (
                f"Request body holds a number of more than {sys.get_int_max_str_digits()} digits"
            )
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InfernoError, inferno_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    # No handler for Exception: RequestContextMiddleware answers those (see there why).


# What the OpenAPI document says each route may answer, beside its success.
Responses = dict[int | str, dict[str, Any]]


def _doc(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description, **extra}


RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}
UNEXPECTED: Responses = {500: _doc("Unexpected failure, logged with the request id")}
UNKNOWN_MODEL: Responses = {404: _doc("Unknown model; lists the served ones")}
NOT_LOADED: Responses = {503: _doc("No model loaded yet")}
BODY_ERRORS: Responses = {
    400: _doc("Malformed JSON, or a body that is not UTF-8"),
    413: _doc("Body over MAX_BODY_BYTES, or holding more than MAX_BODY_VALUES JSON values"),
    415: _doc("Body of a media type other than application/json"),
    422: _doc("Input that does not fit the request schema or the model's input schema"),
}
RATE_LIMITED: Responses = {
    429: _doc("With client keys: over the client's rate", headers=RETRY_AFTER),
}
UNKNOWN_REQUEST: Responses = {
    404: _doc("No prediction of this client has that request id (or it has expired)"),
    503: _doc("The receipts of past predictions cannot be read now"),
}
PREDICTION_ERRORS: Responses = {
    429: _doc(
        "With client keys: over the client's rate, its daily quota, or its share of the work "
        "queued in the process",
        headers=RETRY_AFTER,
    ),
    503: _doc(
        "No model loaded yet, or queued work at its bound (then Retry-After says when to retry)",
        headers=RETRY_AFTER,
    ),
    504: _doc("Not answered within REQUEST_TIMEOUT_SECONDS"),
}
