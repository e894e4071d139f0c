"""The caller's own reference, carried by every event its request raises: a small `metadata`
object on a prediction body and/or an `X-Reference` header (a ticket id, an order number).

Both are bounded so that an event stays small whatever a client sends: at most 16 keys of at most
64 characters (letters, digits, `_ . : -`), each value a string of at most 256 characters, a
number within +-2^53, a boolean or null. Nothing nests. The header is one printable ASCII string
of at most 128 characters, kept as the key `reference` unless the body's metadata names one.
A model whose own input has a field named `metadata` keeps it as input: its callers use the header.
"""

import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    Field,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from shared.errors import InvalidInput
from shared.manifest import InputSchema, TabularInputSchema

METADATA_FIELD = "metadata"
REFERENCE_HEADER = "X-Reference"
REFERENCE_KEY = "reference"
MAX_KEYS = 16
MAX_KEY_CHARS = 64
MAX_VALUE_CHARS = 256
MAX_HEADER_CHARS = 128
# Integers beyond this lose precision in JavaScript consumers of the event.
SAFE_NUMBER = 2**53
KEY_PATTERN = rf"^[A-Za-z0-9_.:-]{{1,{MAX_KEY_CHARS}}}$"
# Printable ASCII, no leading or trailing space (HTTP strips those anyway).
HEADER_PATTERN = rf"^[!-~]([ -~]{{0,{MAX_HEADER_CHARS - 2}}}[!-~])?$"


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            raise ValueError(f"a text value holds at most {MAX_VALUE_CHARS} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # valid JSON (\ud800), not text an event can carry
            raise ValueError(f"holds a lone surrogate at character {exc.start}") from exc
        return value
    if isinstance(value, int | float):
        if not (math.isfinite(value) and abs(value) <= SAFE_NUMBER):
            raise ValueError("a number must be finite and within +-2^53")
        return value
    raise ValueError(f"a value is a string, number, boolean or null, not {type(value).__name__}")


_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "maxLength": MAX_VALUE_CHARS},
        {"type": "number", "minimum": -SAFE_NUMBER, "maximum": SAFE_NUMBER},
        {"type": "boolean"},
        {"type": "null"},
    ]
}
# Exactly what validation accepts (keys that miss the pattern are refused, not ignored).
_METADATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "maxProperties": MAX_KEYS,
    "patternProperties": {KEY_PATTERN: _VALUE_SCHEMA},
    "additionalProperties": False,
    "description": "Your own reference (a ticket or order id), carried by the escalation events "
    "this request raises; never used as model input.",
    "examples": [{"ticket": "T-1042"}],
}
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Value = Annotated[Any, PlainValidator(_value)]
Metadata = Annotated[dict[Key, Value], Field(max_length=MAX_KEYS), WithJsonSchema(_METADATA_SCHEMA)]
_METADATA: TypeAdapter[dict[str, Any]] = TypeAdapter(Metadata)


def metadata_json_schema() -> dict[str, Any]:
    return _METADATA.json_schema()


def validate_metadata(value: Any) -> dict[str, Any]:
    """The metadata object, or InvalidInput naming each problem at `["body", "metadata", ...]`."""
    if isinstance(value, dict) and len(value) > MAX_KEYS:  # refused before any key is looked at
        raise InvalidInput(
            [
                {
                    "loc": ["body", METADATA_FIELD],
                    "msg": f"holds {len(value)} keys; at most {MAX_KEYS} are accepted",
                    "type": "too_long",
                }
            ]
        )
    try:
        return _METADATA.validate_python(value)
    except ValidationError as exc:
        raise InvalidInput(
            [
                {
                    "loc": ["body", METADATA_FIELD, *error["loc"]],
                    "msg": error["msg"],
                    "type": error["type"],
                }
                for error in exc.errors(include_url=False)
            ]
        ) from None


def takes_metadata(schema: InputSchema) -> bool:
    """Whether `metadata` in a body is the caller's reference (not one of the model's inputs)."""
    if isinstance(schema, TabularInputSchema):
        return all(feature.name != METADATA_FIELD for feature in schema.features)
    return schema.field != METADATA_FIELD


def split_metadata(body: Any, schema: InputSchema) -> tuple[Any, dict[str, Any] | None]:
    """The body without its `metadata` object, and that object validated."""
    if not (isinstance(body, dict) and METADATA_FIELD in body and takes_metadata(schema)):
        return body, None
    rest = {key: value for key, value in body.items() if key != METADATA_FIELD}
    return rest, validate_metadata(body[METADATA_FIELD])


def caller_metadata(
    metadata: Mapping[str, Any] | None, header: str | None
) -> dict[str, Any] | None:
    """What an event carries as the caller's reference: the body's metadata, and the header's
    value as `reference` unless the metadata has that key."""
    found = {REFERENCE_KEY: header} if header else {}
    found.update(metadata or {})
    return found or None
