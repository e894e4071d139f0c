"""The one failure packaging reports: a line that says what is wrong and what to do."""

from shared.errors import InfernoError


class PackagingError(InfernoError):
    """The model, the sample or the options cannot make a model directory."""

    status_code = 400
