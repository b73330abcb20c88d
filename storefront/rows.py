"""One row the caller cannot go on without: the row, or `NotFound`.

Piccolo's `.first()` answers None when nothing matches, and a caller that indexes that None fails with a
TypeError far from the cause. Where a row must exist (the order of a seller order, the seller who owns an
offer), `one()` says so in one place and raises the domain's `NotFound`, which the web layer maps to a 404.
Where a missing row is an ordinary answer, check the None at the call instead.
"""
from __future__ import annotations

from typing import Any

from piccolo.query.methods.select import First

from storefront.errors import NotFound


async def one(query: First, key: object) -> dict[str, Any]:
    """The row `query` finds; `NotFound(key)` when there is none."""
    row = await query
    if row is None:
        raise NotFound(key)
    return row
