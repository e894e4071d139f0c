"""Request bodies are JSON: without a Content-Type a body is read as JSON; another type is 415."""

import email.message

from fastapi import Request
from starlette.exceptions import HTTPException

JSON = "application/json"
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def is_json(content_type: str) -> bool:
    """application/json or application/*+json, parameters ignored. Parsed as FastAPI parses it,
    so a type accepted here is one FastAPI decodes as JSON rather than passing on as bytes."""
    if content_type == JSON:  # nearly every request: no need to parse it
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def require_json(request: Request) -> None:
    """A route dependency: it runs only for a matched route and method, so 404 and 405 stand."""
    content_type = request.headers.get("content-type")
    if request.method in _WITH_BODY and content_type and not is_json(content_type):
        raise HTTPException(
            415, detail=f"Unsupported media type {content_type[:100]!r}: send {JSON}"
        )
