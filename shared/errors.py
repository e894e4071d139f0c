"""Failures the platform names; each carries the HTTP status, body and headers a client sees.

The HTTP layer turns any of them into a response with `status_code`, `body()` and `headers()`,
so what a client is told about a failure is decided here, once, beside the failure.
"""

from typing import Any


class InfernoError(Exception):
    """Base of every platform error."""

    status_code = 500

    def body(self) -> dict[str, Any]:
        return {"detail": str(self)}

    def headers(self) -> dict[str, str]:
        return {}


class StoreError(InfernoError):
    """The model store could not be read or written."""

    status_code = 503


class StoreKeyNotFound(StoreError):
    """A key the caller asked for is not in the store."""

    status_code = 404


class ModelLoadError(InfernoError):
    """A model version could not be turned into a verified, serving model."""

    status_code = 503


class IntegrityError(ModelLoadError):
    """The artifact's sha256 differs from the one in its manifest."""


class UnsignedRelease(IntegrityError):
    """The version has no release signature and signatures are required."""


class WrongSignature(IntegrityError):
    """The manifest's signature is not the release key's (or cannot be checked)."""


class ObjectTooLarge(ModelLoadError):
    """A store object is larger than anything of its kind may be (a manifest, a signature,
    an alias): refused before it is read, not parsed after."""


class UntrustedArtifactError(ModelLoadError):
    """The artifact holds types we do not load."""


class SampleCheckError(ModelLoadError):
    """The model did not reproduce its manifest's sample prediction."""


class ModelNotLoaded(InfernoError):
    """No model is loaded for this route yet."""

    status_code = 503
    # The original Inferno API's words, kept for its clients.
    message = "Model is not loaded or failed to load. Check server logs."

    def body(self) -> dict[str, Any]:
        return {"detail": self.message}


class UnknownModel(InfernoError):
    """The client named a model the service does not serve."""

    status_code = 404

    def __init__(self, name: str, served: list[str]) -> None:
        super().__init__(name)
        self.served = served

    def body(self) -> dict[str, Any]:
        listed = ", ".join(self.served) or "none"
        detail = f"Unknown model {self.args[0]!r}. Served models: {listed}"
        return {"detail": detail, "served_models": self.served}


# A 422 names at most this many problems, each part cut to this many characters: one client's
# 95,000 unknown fields would otherwise make an 8 MiB answer, stalling the event loop for all.
MAX_LISTED_PROBLEMS = 10
MAX_PROBLEM_CHARS = 200


def bounded_problems(problems: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The first few problems (`loc`, `msg`, `type`, each part cut short), and how many more."""
    listed = [
        {
            "loc": [_cut(part) for part in problem.get("loc", [])][:MAX_LISTED_PROBLEMS],
            "msg": _cut(problem.get("msg", "")),
            "type": _cut(problem.get("type", "value_error")),
        }
        for problem in problems[:MAX_LISTED_PROBLEMS]
    ]
    return listed, max(0, len(problems) - MAX_LISTED_PROBLEMS)


def problems_body(problems: list[dict[str, Any]]) -> dict[str, Any]:
    """The body of a 422 listing problems: `detail`, plus `problems_not_listed` when cut."""
    listed, not_listed = bounded_problems(problems)
    return (
        {"detail": listed, "problems_not_listed": not_listed} if not_listed else {"detail": listed}
    )


def _cut(part: Any) -> Any:
    if isinstance(part, str) and len(part) > MAX_PROBLEM_CHARS:
        return part[:MAX_PROBLEM_CHARS] + "..."
    return part


class InvalidInput(InfernoError):
    """The input does not fit the model's input schema; `args[0]` lists each problem (or says
    what is wrong in a sentence)."""

    status_code = 422

    def __init__(self, problems: str | list[dict[str, Any]], more: int = 0) -> None:
        """`more`: problems found but left out of `problems` already."""
        self.not_listed = more
        if isinstance(problems, list):
            problems, cut = bounded_problems(problems)
            self.not_listed += cut
        super().__init__(problems)

    def body(self) -> dict[str, Any]:
        if self.not_listed:
            return {"detail": self.args[0], "problems_not_listed": self.not_listed}
        return {"detail": self.args[0]}


class Overloaded(InfernoError):
    """Queued work is at its bound; the client should retry after `retry_after_seconds`."""

    status_code = 503

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class RequestTimedOut(InfernoError):
    """The request was not answered within REQUEST_TIMEOUT_SECONDS."""

    status_code = 504


class ClientDisconnected(InfernoError):
    """The client left before its answer was ready; nothing reaches it (logged as 499)."""

    status_code = 499


# Client keys, rates and quotas (shared/auth): what a client is told, never which check failed
# beyond what it needs to act on.


class Unauthenticated(InfernoError):
    """No key, or a key that is unknown, expired or revoked."""

    status_code = 401

    def __init__(self, message: str = "Missing API key", invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid

    def headers(self) -> dict[str, str]:
        # RFC 6750: the scheme and realm, plus the error code when a key was presented.
        challenge = 'Bearer realm="inferno"'
        return {"WWW-Authenticate": challenge + (', error="invalid_token"' if self.invalid else "")}


class ModelNotAllowed(InfernoError):
    """The client's key may not use this model."""

    status_code = 403


class RateLimited(InfernoError):
    """Over the client's rate (this process) or daily quota (the fleet); retry later."""

    status_code = 429

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class QueueShareExceeded(RateLimited):
    """The client already holds its share of the work queued in this process (others wait)."""


class QuotaExhausted(RateLimited):
    """The client's daily quota is used up across the fleet until the UTC day rolls over."""


class QuotaUnavailable(Overloaded):
    """The quota store (table or file) could not be reached to lease more of a daily quota."""


# Feedback (POST /feedback, shared/capture).


class UnknownRequest(InfernoError):
    """No prediction of this client has that request id (or its receipt has expired)."""

    status_code = 404


class ReceiptsUnavailable(InfernoError):
    """The receipts of past predictions could not be read; retry later."""

    status_code = 503
