"""A seller's quality figures, computed from its real orders and claims.

A rate is computed once a seller has enough delivered orders for it to mean something; the seller's products
are then reindexed so ranking follows. Below that a new seller has no rates ("no figure yet"), and the demo
gets its figures the same way, from the orders it places (storefront/demo/history.py).
"""
from __future__ import annotations

from storefront.catalog.outbox import mark_seller_for_reindex
from storefront.orders.states import ClaimDecision
from storefront.orders.tables import Claim, SellerOrder
from storefront.sellers.tables import Seller

MIN_DELIVERED_ORDERS = 20


def _bp(count: int, total: int) -> int:
    """A rate in basis points, rounded half up, in integers."""
    return (count * 10_000 * 2 + total) // (2 * total)


async def recompute(seller_id: int) -> bool:
    """Recompute from orders and claims (claims the operator rejected left out); returns False (figures left
    as they are) below the threshold."""
    delivered = await SellerOrder.select(SellerOrder.id, SellerOrder.delivered_late).where(
        (SellerOrder.seller == seller_id) & (SellerOrder.status == "delivered"))
    if len(delivered) < MIN_DELIVERED_ORDERS:
        return False
    ids = [row["id"] for row in delivered]
    # A claim counts however it ended (refunded, repaired, withdrawn), unless the operator rejected it as
    # unfounded: a seller is not marked down for a complaint Encore found baseless.
    claims = await Claim.select(Claim.seller_order, Claim.reason).where(
        Claim.seller_order.is_in(ids) & ((Claim.decision.is_null()) | (Claim.decision != ClaimDecision.rejected)))

    def orders_with(reason: str) -> int:
        return len({c["seller_order"] for c in claims if c["reason"] == reason})

    total = len(delivered)
    await Seller.update({
        Seller.defect_rate_bp: _bp(orders_with("defective"), total),
        Seller.wrong_item_rate_bp: _bp(orders_with("wrong_item"), total),
        Seller.cosmetic_rate_bp: _bp(orders_with("cosmetic"), total),
        Seller.late_delivery_rate_bp: _bp(sum(1 for row in delivered if row["delivered_late"]), total),
    }).where(Seller.id == seller_id)
    await mark_seller_for_reindex(seller_id)
    return True
