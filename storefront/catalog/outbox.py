"""The search outbox: all that the domain tells search, and the only way it does.

A write that changes what shoppers can find marks the variants it touched, inside its own transaction,
so the marks commit or roll back with the change. Draining the outbox is search_index's job, done after
the response (and by the catch-up command and the scheduled jobs); the domain never waits for search.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextvars import ContextVar, Token

from storefront.catalog.tables import SearchOutbox, Variant
from storefront.sellers.tables import Offer


class OutboxMarks:
    """Whether a unit of work (one request) wrote to the outbox, so a read never costs a drain query."""

    def __init__(self) -> None:
        self.written = False


# A mutable holder rather than a flag, so a mark made in a task spawned by the request still counts.
_marks: ContextVar[OutboxMarks | None] = ContextVar("search_outbox_marks", default=None)


def watch_marks() -> tuple[OutboxMarks, Token[OutboxMarks | None]]:
    """Start noting, for the current context, whether the outbox gets written; pair with `stop_watching`."""
    marks = OutboxMarks()
    return marks, _marks.set(marks)


def stop_watching(token: Token[OutboxMarks | None]) -> None:
    _marks.reset(token)


async def mark_for_reindex(variant_ids: Iterable[int]) -> None:
    """Call inside the writer's transaction, so the change and its reindexing commit together."""
    now = dt.datetime.now(dt.UTC)
    rows = [SearchOutbox(variant_id=v, created_at=now) for v in sorted(set(variant_ids))]
    if not rows:
        return
    await SearchOutbox.insert(*rows)
    marks = _marks.get()
    if marks is not None:
        marks.written = True


async def mark_model_for_reindex(model_id: int) -> None:
    await mark_for_reindex(v["id"] for v in await Variant.select(Variant.id).where(Variant.model == model_id))


async def mark_seller_for_reindex(seller_id: int) -> None:
    """Every variant the seller offers: its status or figures change what each of them shows."""
    await mark_for_reindex(row["variant"] for row in await Offer.select(Offer.variant).where(Offer.seller == seller_id))
