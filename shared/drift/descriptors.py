"""Text descriptors: what a text model's inputs look like, as numbers.

The reference profile holds these, never the training texts, and captured texts are described by
the same function when the report is built (captured text may be kept, hashed or dropped: only
kept text is described). They are defined here rather than taken from a library so that a
profile written today means the same next year: `VERSION` names the definition, and a profile of
another version is compared on its predictions only.
"""

from typing import Any

VERSION = "text-v1"
COLUMNS = ("text_length", "word_count", "mean_word_length", "non_letter_share", "shouting_share")


def describe(text: str) -> dict[str, float]:
    """Length in characters and words, mean word length, the share of characters that are
    neither letters nor spaces (digits, punctuation, emoji) and the share of letters that are
    upper case (shouting)."""
    words = text.split()
    letters = sum(1 for char in text if char.isalpha())
    spaces = sum(1 for char in text if char.isspace())
    upper = sum(1 for char in text if char.isupper())
    length = len(text)
    return {
        "text_length": float(length),
        "word_count": float(len(words)),
        "mean_word_length": round(sum(len(w) for w in words) / len(words), 4) if words else 0.0,
        "non_letter_share": round((length - letters - spaces) / length, 4) if length else 0.0,
        "shouting_share": round(upper / letters, 4) if letters else 0.0,
    }


def text_of(item: Any, field: str) -> str | None:
    """The text of a captured or request item, or None when it was hashed or dropped. Capture
    keeps a text as `{"text": ...}` whatever the schema calls its field (the contract)."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        value = item.get(field, item.get("text"))
        return value if isinstance(value, str) else None
    return None
