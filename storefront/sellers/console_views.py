"""What the operator console reads about sellers: the list under each filter and how many each filter holds.

Plain reads, no HTTP here. "Notice running" is a referenced seller with a termination date: it stays on sale
until then (P2B Regulation Art. 4).
"""
from __future__ import annotations

from typing import Any

from piccolo.custom_types import Combinable

from storefront.sellers.states import SellerStatus
from storefront.sellers.tables import Seller

NOTICE_RUNNING = "notice"
ALL_SELLERS = "all"


def _notice_running() -> Combinable:
    return Seller.terminates_at.is_not_null() & (Seller.status == SellerStatus.referenced)


def _filter_clause(shown: str) -> Combinable | None:
    if shown == NOTICE_RUNNING:
        return _notice_running()
    if shown == ALL_SELLERS:
        return None
    return Seller.status == shown


async def sellers_shown(shown: str) -> list[dict[str, Any]]:
    """The sellers under one filter (a status, "notice" or "all"), by name."""
    query = Seller.select().order_by(Seller.name)
    if (clause := _filter_clause(shown)) is not None:
        query = query.where(clause)
    return await query


async def seller_filter_counts() -> dict[str, int]:
    """How many sellers each filter shows, zero included."""
    counts = {status.value: await Seller.count().where(Seller.status == status) for status in SellerStatus}
    counts[NOTICE_RUNNING] = await Seller.count().where(_notice_running())
    counts[ALL_SELLERS] = sum(counts[status] for status in SellerStatus)
    return counts


async def pending_seller_count() -> int:
    """Sellers waiting to be referenced: the console's queue shows it."""
    return await Seller.count().where(Seller.status == SellerStatus.pending)
