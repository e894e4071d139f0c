"""Shed a large prediction body before reading it, when its lane has no room for it.

The batcher sheds at admission anyway, but only after the event loop has read and parsed the
body: a megabyte of JSON costs the loop milliseconds, and clients that retry at once would keep it
busy parsing work that is refused. The declared Content-Length bounds the characters a body can
hold, so it stands in for the request's cost here.
"""

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from handlers.http.errors import inferno_error
from handlers.http.request_context import declared_length
from shared.serving.batching import PredictionBatcher
from shared.serving.registry import ModelRegistry


class EarlyShed:
    def __init__(self, app: ASGIApp, batcher: PredictionBatcher, registry: ModelRegistry) -> None:
        self.app = app
        self.batcher = batcher
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            declared = declared_length(scope)
            if declared and not self.batcher.would_admit(declared):
                shed = self.batcher.overloaded(self._model_name(scope["path"]), declared)
                await (await inferno_error(Request(scope), shed))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _model_name(self, path: str) -> str:
        """For the metric's dimension: a served model's name, never a client's arbitrary text."""
        parts = path.strip("/").split("/")
        if len(parts) >= 3 and parts[0] == "models" and parts[1] in self.registry.served_names():
            return parts[1]
        return self.registry.default_name if path == "/predict" else "unknown"
