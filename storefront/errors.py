"""Errors the domain raises that mean the same thing on every page.

`NotFound`: no such object, or one the asker may not see (someone else's order answers exactly like a
missing one). It stays a LookupError so callers that catch LookupError keep working; the web layer maps it
once to the 404 page.

`Refused`: what was asked breaks a rule of the shop. Each context checks its input with the input's
`problems()` (field -> message, in the asker's words) and raises `refuse_if(problems)`: the error names the
first field at fault and carries every problem, so a form can show each next to its field.
"""
from __future__ import annotations

from collections.abc import Mapping


class NotFound(LookupError):
    """The object does not exist for whoever asked."""


class Refused(ValueError):
    """What was asked cannot be done. `field` names the form field the first problem belongs next to,
    `message` says why; `problems` holds every field at fault (at least that first one)."""

    def __init__(self, field: str, message: str, problems: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems: dict[str, str] = dict(problems) if problems else {field: message}


def refuse_if(problems: Mapping[str, str]) -> None:
    """Raises Refused carrying `problems` when there is any; returns quietly otherwise."""
    if problems:
        field, message = next(iter(problems.items()))
        raise Refused(field, message, problems)
