"""Errors the domain raises that mean the same thing on every page.

`NotFound`: no such object, or one the asker may not see (someone else's order answers exactly like a
missing one). It stays a LookupError so callers that catch LookupError keep working; the web layer maps it
once to the 404 page.
"""
from __future__ import annotations


class NotFound(LookupError):
    """The object does not exist for whoever asked."""
