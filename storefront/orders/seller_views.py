"""What the seller portal reads: a seller's orders, claims and figures, each query scoped to that seller.

Plain reads returning dicts (Piccolo rows) or small dataclasses; no HTTP here. A seller sees an order once
it is paid, so every read keeps to the statuses in `VISIBLE_STATUSES`: another seller's order, or one not
yet paid, is simply not found (None), and the caller decides what that means.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from storefront.orders.checkout_forms import COUNTRIES
from storefront.orders.claim_views import SELLER_TO_DO, labelled
from storefront.orders.tables import Claim, Order, OrderEvent, OrderLine, SellerOrder
from storefront.orders.transitions import CLAIM_REASONS, STATUS_LABELS
from storefront.payments import ledger, refunds
from storefront.payments.refunds import RefundView, refunds_of_seller_order
from storefront.payments.tables import LedgerEntry
from storefront.rows import one
from storefront.sellers.tables import Seller

# What the seller calls each state, in the order an order goes through them.
STATUS_NAMES = {"pending": "To accept", "accepted": "Confirmed", "shipped": "Shipped", "delivered": "Delivered",
                "refused": "Refused", "cancelled": "Cancelled by the buyer"}
VISIBLE_STATUSES = tuple(STATUS_NAMES)


def _visible(status: str | None = None) -> Any:
    """Where the seller may see an order: once paid. A cancelled part counts only when the buyer cancelled it
    after paying; an unpaid order that ended was never an order for its sellers."""
    statuses = [status] if status else list(VISIBLE_STATUSES)
    shown: Any = SellerOrder.status.is_in([s for s in statuses if s != "cancelled"] or ["-"])
    if "cancelled" in statuses:
        shown = shown | ((SellerOrder.status == "cancelled") & SellerOrder.order.paid_at.is_not_null())
    return shown


@dataclass(frozen=True)
class SellerOrderView:
    """One seller order as its seller sees it: the buyer's order, the lines, the history and the claims."""

    seller_order: dict[str, Any]
    order: dict[str, Any]
    lines: list[dict[str, Any]]
    events: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    commission_cents: int | None  # booked when the seller accepts; None before
    refunds: tuple[RefundView, ...] = ()
    left_to_refund_cents: int = 0  # the most a claim's refund may still be


async def seller_profile(seller_id: int) -> dict[str, Any]:
    return await one(Seller.select().where(Seller.id == seller_id).first(), seller_id)


async def status_counts(seller_id: int) -> dict[str, int]:
    """How many of the seller's orders are in each visible state, zero included."""
    rows = await SellerOrder.select(SellerOrder.status, Count()).where(
        (SellerOrder.seller == seller_id) & _visible()
    ).group_by(SellerOrder.status)
    found = {row["status"]: row["count"] for row in rows}
    return {status: found.get(status, 0) for status in VISIBLE_STATUSES}


def _order_columns() -> list:
    return [SellerOrder.id, SellerOrder.status, SellerOrder.total_cents, SellerOrder.promised_delivery_date,
            SellerOrder.order.reference.as_alias("reference"), SellerOrder.order.paid_at.as_alias("paid_at"),
            SellerOrder.order.delivery_city.as_alias("city")]


async def orders_page(seller_id: int, status: str | None, page: int,
                      per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the seller's orders, newest first, with their item count; and how many there are in all."""
    where = (SellerOrder.seller == seller_id) & _visible(status)
    total = await SellerOrder.count().where(where)
    rows = await SellerOrder.select(*_order_columns()).where(where).order_by(SellerOrder.id, ascending=False).limit(
        per_page).offset((page - 1) * per_page)
    quantities: dict[int, int] = {}
    if rows:
        for line in await OrderLine.select(OrderLine.seller_order, OrderLine.quantity).where(
                OrderLine.seller_order.is_in([row["id"] for row in rows])):
            quantities[line["seller_order"]] = quantities.get(line["seller_order"], 0) + line["quantity"]
    for row in rows:
        row["item_count"] = quantities.get(row["id"], 0)
        row["status_name"] = STATUS_NAMES[row["status"]]
    return rows, total


async def orders_to_accept(seller_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """Oldest first: they have waited longest."""
    return await SellerOrder.select(*_order_columns()).where(
        (SellerOrder.seller == seller_id) & (SellerOrder.status == "pending")).order_by(SellerOrder.id).limit(limit)


async def open_claims(seller_id: int) -> list[dict[str, Any]]:
    rows = await Claim.select(
        Claim.id, Claim.reason, Claim.created_at, Claim.seller_order,
        Claim.seller_order._.order._.reference.as_alias("reference"),
    ).where((Claim.seller_order.seller == seller_id) & Claim.status.is_in(list(SELLER_TO_DO))).order_by(Claim.id)
    for row in rows:
        row["reason_label"] = CLAIM_REASONS.get(row["reason"], row["reason"])
    return rows


async def delivered_count(seller_id: int) -> int:
    return await SellerOrder.count().where((SellerOrder.seller == seller_id) & (SellerOrder.status == "delivered"))


async def visible_seller_order(seller_id: int, seller_order_id: int) -> dict[str, Any] | None:
    """The seller order if this seller may see it; None for a missing one, another seller's or an unpaid one."""
    return await SellerOrder.select().where(
        (SellerOrder.id == seller_order_id) & (SellerOrder.seller == seller_id) & _visible()).first()


async def seller_order_of_claim(seller_id: int, claim_id: int) -> int | None:
    """The seller order a claim is about, if the claim is on one of this seller's orders."""
    claim = await Claim.select(Claim.seller_order).where(
        (Claim.id == claim_id) & (Claim.seller_order.seller == seller_id)).first()
    return claim["seller_order"] if claim else None


async def _commission_of(seller_order_id: int) -> int | None:
    entry = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.transaction == f"com:{seller_order_id}") & (LedgerEntry.account == ledger.SELLER)).first()
    return entry["amount_cents"] if entry else None


async def seller_order_view(seller_id: int, seller_order_id: int) -> SellerOrderView | None:
    """Everything the seller's order page shows, or None when this seller may not see the order.

    The order carries the buyer's full delivery address (the seller ships to it), never the buyer's e-mail.
    """
    seller_order = await visible_seller_order(seller_id, seller_order_id)
    if seller_order is None:
        return None
    order = await one(Order.select(
        Order.reference, Order.paid_at, Order.currency, Order.delivery_name, Order.delivery_line1,
        Order.delivery_line2, Order.delivery_postcode, Order.delivery_city, Order.delivery_country,
        Order.delivery_phone,
    ).where(Order.id == seller_order["order"]).first(), seller_order["order"])
    order["delivery_country_name"] = COUNTRIES.get(order["delivery_country"], order["delivery_country"])
    lines = await OrderLine.select().where(OrderLine.seller_order == seller_order_id).order_by(OrderLine.id)
    for line in lines:
        line["total_cents"] = line["unit_price_cents"] * line["quantity"]
    events = await OrderEvent.select().where(OrderEvent.seller_order == seller_order_id).order_by(
        OrderEvent.created_at, OrderEvent.id)
    for event in events:
        event["status_name"] = STATUS_NAMES.get(event["status"], STATUS_LABELS.get(event["status"], event["status"]))
    claims = await Claim.select().where(Claim.seller_order == seller_order_id).order_by(Claim.id)
    claims = [labelled(claim) for claim in claims]
    return SellerOrderView(seller_order=seller_order, order=order, lines=lines, events=events, claims=claims,
                           commission_cents=await _commission_of(seller_order_id),
                           refunds=tuple(await refunds_of_seller_order(seller_order_id)),
                           left_to_refund_cents=await refunds.left_to_refund(seller_order))
