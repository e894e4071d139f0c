"""Failures the platform names; each carries the HTTP status a client should see."""


class InfernoError(Exception):
    """Base of every platform error."""

    status_code = 500


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


class UntrustedArtifactError(ModelLoadError):
    """The artifact holds types we do not load."""


class SampleCheckError(ModelLoadError):
    """The model did not reproduce its manifest's sample prediction."""


class ModelNotLoaded(InfernoError):
    """No model is loaded for this route yet."""

    status_code = 503


class UnknownModel(InfernoError):
    """The client named a model the service does not serve."""

    status_code = 404


class InvalidInput(InfernoError):
    """The input does not fit the model's input schema."""

    status_code = 422


class Overloaded(InfernoError):
    """Queued work is at its bound; the client should retry after `retry_after_seconds`."""

    status_code = 503

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class RequestTimedOut(InfernoError):
    """The request was not answered within REQUEST_TIMEOUT_SECONDS."""

    status_code = 504


class ClientDisconnected(InfernoError):
    """The client left before its answer was ready; nothing reaches it (logged as 499)."""

    status_code = 499
