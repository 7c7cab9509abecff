"""The bounds every value of the record keeps, whatever its way in.

A number the record keeps must fit the stores' integers (64-bit signed); a
text must be text (no NUL, no undecodable bytes); and a message that quotes
a value a person typed quotes only its beginning, so a megabyte typed by
mistake (or on purpose) is never echoed back. The command models check
these first; the domain checks them again for what reaches it another way.
"""

from __future__ import annotations

# The largest integer both stores keep (SQLite INTEGER, PostgreSQL BIGINT).
MAX_STORED_INTEGER = 2**63 - 1
# The most dots a participant can be given in one round: more than any room
# could spend, and far within what the stores keep.
MAX_DOTS = 1000
# The highest score a score round can offer.
MAX_SCORE = 100
# How much of a bad value a message quotes.
QUOTED = 40


def shown(value: object, limit: int = QUOTED) -> str:
    """A value as a message quotes it: its repr, cut to its first characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def text_problem(value: str) -> str | None:
    """What makes a string unfit for the record, or None: a NUL character, or
    bytes that were not UTF-8 (Python hands them over as lone surrogates)."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(value[error.start])
        if 0xDC80 <= code <= 0xDCFF:
            return f"is not valid UTF-8 (byte 0x{code - 0xDC00:02x})"
        return "is not valid UTF-8"
    return None
