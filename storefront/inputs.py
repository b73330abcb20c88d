"""Reading numbers, ids and text that come from outside (an address, a form, a signed token): the one home.

Whatever a person or a robot types, these answer a value within bounds or None, never an exception:
- **Digits** are ASCII digits only. `str.isdigit()` also accepts "²" or "١" (Arabic-Indic one), which `int()`
  cannot read or reads as a number nobody wrote; signs, spaces, "1e3" and "1_000" are refused as well.
- **Ids** are 1 to 2^31 − 1: every table's key is a Piccolo `Serial`, a 32-bit `integer` on PostgreSQL, and a
  larger number reaching SQLite overflows its driver ("Python int too large to convert to SQLite INTEGER").
- **Text** may not hold NUL or other control characters except tab, newline and carriage return: PostgreSQL
  refuses NUL in text outright, and the others are never typed by a person.
"""
from __future__ import annotations

import hmac
import re

# Piccolo's Serial is PostgreSQL's `integer`: the largest id any table can hold.
MAX_ID = 2**31 - 1
# Seconds since 1970 in signed tokens and timestamps: far beyond any real one (year 5138), far below overflow.
MAX_TIMESTAMP = 10**11
# More digits than this cannot be a bounded number: refused before int() reads a megabyte of them.
_MAX_DIGITS = 19
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

UNREADABLE_TEXT = "This contains a character text cannot hold (such as NUL or another control character)."


def is_digits(text: str) -> bool:
    """ASCII digits only, at least one: "42" yes; "²", "١", "-1", " 1", "1e3" no."""
    return text.isascii() and text.isdigit()


def parse_whole(text: str | None, maximum: int, *, minimum: int = 0) -> int | None:
    """A whole number from minimum to maximum written in ASCII digits, or None."""
    text = text or ""
    if not is_digits(text) or len(text) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(text: str | None) -> int | None:
    """A row's id (1 to MAX_ID), or None for anything that cannot name a row."""
    return parse_whole(text, MAX_ID, minimum=1)


def parse_page(text: str | None, maximum: int) -> int:
    """A page number from 1 to maximum: missing or unreadable is page 1, beyond the last is the last."""
    text = text or ""
    if not is_digits(text):
        return 1
    # A page number too long to read is beyond any last page.
    return maximum if len(text) > _MAX_DIGITS else min(max(int(text), 1), maximum)


def has_unreadable_characters(text: str) -> bool:
    """True when `text` holds NUL or another control character a form field may not carry."""
    return _CONTROL.search(text) is not None


def same_signature(given: str, expected: str) -> bool:
    """`given` (from outside) equals `expected`, compared in constant time. As bytes: `hmac.compare_digest`
    raises TypeError on a str holding anything but ASCII, which a forged token may well hold."""
    return hmac.compare_digest(given.encode(), expected.encode())
