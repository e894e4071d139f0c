"""What stops a drift report: each is bad input to `inferno drift` (exit 2), never a crash."""

from shared.errors import InfernoError


class DriftInputError(InfernoError):
    """The report cannot be built from what was given."""

    status_code = 400


class NoReference(DriftInputError):
    """The model version has no reference profile (trained before profiles, or packaged
    without a sample)."""


class NoCapturedData(DriftInputError):
    """No captured predictions for the model in the window."""


class BadCaptureSource(DriftInputError):
    """The capture location is not a directory or an s3:// URI."""
