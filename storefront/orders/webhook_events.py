"""The events a seller's webhook endpoint receives about its orders and claims, and what they carry.

Each is recorded by the transition that causes it, inside its transaction (storefront.orders.transitions), by
`seller_order_event`. The payload's `data` holds the seller order as it stands after the change: its id, the
order's reference, its state, its amounts and its lines (the seller's SKU, the variant, quantity, unit price in
cents and the currency), and for claim events the claim. It carries no personal data of the buyer: the
seller reads the delivery address in the portal.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from storefront.orders.tables import Claim, Order, OrderLine, SellerOrder
from storefront.rows import one
from storefront.webhooks.outbox import receives_events, record_event, timestamp
from storefront.webhooks.states import EventType


async def seller_order_data(seller_order_id: int) -> dict[str, Any]:
    seller_order = await one(SellerOrder.select().where(SellerOrder.id == seller_order_id).first(), seller_order_id)
    order = await one(Order.select(Order.reference, Order.currency).where(Order.id == seller_order["order"]).first(),
                      seller_order["order"])
    lines = await OrderLine.select(
        OrderLine.offer.sku.as_alias("sku"), OrderLine.offer.as_alias("offer_id"), OrderLine.variant,
        OrderLine.title, OrderLine.grade, OrderLine.quantity, OrderLine.unit_price_cents,
    ).where(OrderLine.seller_order == seller_order_id).order_by(OrderLine.id)
    currency = order["currency"]
    return {
        "id": seller_order["id"],
        "order_reference": order["reference"],
        "state": seller_order["status"],
        "items_cents": seller_order["items_cents"],
        "shipping_cents": seller_order["shipping_cents"],
        "total_cents": seller_order["total_cents"],
        "currency": currency,
        "promised_delivery_date": seller_order["promised_delivery_date"].isoformat(),
        "lines": [{"sku": line["sku"], "offer_id": line["offer_id"], "variant_id": line["variant"],
                   "title": line["title"], "grade": line["grade"], "quantity": line["quantity"],
                   "unit_price_cents": line["unit_price_cents"], "currency": currency} for line in lines],
    }


async def _claim_data(claim_id: int) -> dict[str, Any]:
    claim = await one(Claim.select().where(Claim.id == claim_id).first(), claim_id)
    return {"id": claim["id"], "reason": claim["reason"], "message": claim["message"], "status": claim["status"],
            "seller_answer": claim["seller_answer"], "created_at": timestamp(claim["created_at"]),
            "answered_at": timestamp(claim["answered_at"]) if claim["answered_at"] else None,
            # The seller's proposal (storefront.orders.claims): repair, replacement, partial_refund or full_refund.
            "resolution": claim["resolution"], "resolution_cents": claim["resolution_cents"]}


async def seller_order_event(seller_id: int, seller_order_id: int, event_type: EventType, *,
                             claim_id: int | None = None, at: dt.datetime | None = None) -> str | None:
    """Records `event_type` about a seller order (and a claim on it) for its seller, in the caller's
    transaction; None when the seller receives no events. One call from any transition, e.g. the buyer's
    cancellation: `await seller_order_event(seller_id, seller_order_id, EventType.order_cancelled)`."""
    if not await receives_events(seller_id):
        return None
    data: dict[str, Any] = {"seller_order": await seller_order_data(seller_order_id)}
    if claim_id is not None:
        data["claim"] = await _claim_data(claim_id)
    return await record_event(seller_id, event_type, data, at=at)
