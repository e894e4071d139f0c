"""The bodies `/predict` must refuse, with the status and a word of the reason: one table for
the in-process tier and the real-server tier."""

import json

BAD_INPUTS: dict[str, tuple[bytes, int, str]] = {
    "empty text": (b'{"text": ""}', 422, "empty"),
    "whitespace-only text": (b'{"text": "  \\n\\t "}', 422, "empty"),
    "text over the limit": (json.dumps({"text": "a" * 5001}).encode(), 422, "limit is 5000"),
    "number instead of text": (b'{"text": 42}', 422, "valid string"),
    "null text": (b'{"text": null}', 422, "valid string"),
    "missing field": (b'{"message": "hi"}', 422, "Field required"),
    "unknown extra field": (b'{"text": "hi", "lang": "en"}', 422, "Extra inputs are not permitted"),
    "malformed JSON": (b'{"text": "hi"', 400, "Malformed JSON body"),
    "JSON array body": (b'["hi"]', 422, "valid dictionary"),
    "non-UTF-8 bytes": (b'{"text": "caf\xe9 \xff"}', 400, "UTF-8"),
    "empty body": (b"", 422, "Field required"),
    "a 5,000-digit number": (b'{"text": "hi", "n": ' + b"7" * 5000 + b"}", 400, "4300 digits"),
    "a body of countless values": (
        b'{"text": "hi", "n": [' + b"1," * 70_000 + b"1]}",
        413,
        "JSON values",
    ),
}
