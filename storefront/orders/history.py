"""What a buyer reads about their own orders: the list, one order in full, and the dates that matter once a
parcel is delivered (legal guarantee, commercial warranty, withdrawal period).

Read models only: every change of state goes through `storefront.orders.transitions`.
A delivery date is the calendar date of `delivered_at` in UTC, the time zone every timestamp is stored in.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from storefront.orders.checkout_forms import COUNTRIES
from storefront.orders.claims import DECISION_LABELS, RESOLUTION_LABELS, WITHDRAWABLE
from storefront.orders.states import ClaimStatus, OrderStatus
from storefront.orders.tables import Claim, Order, OrderEvent, OrderLine, SellerOrder
from storefront.orders.transitions import CANCELLABLE, CLAIM_REASONS, STATUS_LABELS, payment_deadline
from storefront.payments.ledger import refunded_to_buyers
from storefront.payments.refunds import RefundView, refunds_of_order
from storefront.returns.rules import window
from storefront.reviews import rules as review_rules
from storefront.reviews.tables import Review
from storefront.settings import Settings

ORDERS_PER_PAGE = 10
ORDER_STATUS_LABELS = {
    "pending_payment": "Waiting for payment",
    "paid": "Paid",
    "payment_failed": "Payment failed, nothing was charged",
    "cancelled": "Cancelled before payment, nothing was charged",
    "expired": "Not paid in time, cancelled; nothing was charged",
}
CLAIM_STATUS_LABELS = {
    "open": "Waiting for the seller's proposal",
    "answered": "Answered",
    "proposed": "The seller proposes a solution: your answer is needed",
    "accepted": "Agreed: the seller is to send the item",
    "escalated": "Encore's team is deciding",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
    "closed": "Decided by Encore's team",
}
# Why "Get help" is not offered on a part of an order, in the buyer's words. Other statuses may open a claim.
HELP_UNAVAILABLE = {
    "awaiting_payment": "This order is not paid yet: you can ask the seller for help once the payment is received.",
    "cancelled": "This part of the order was cancelled (refunded, or never charged), so there is nothing to claim.",
    "refused": "The seller refused this part of the order and you were refunded, so there is nothing to claim.",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole calendar months; a day the target month lacks becomes its last day
    (31 January + 1 month → 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    ends_on: dt.date
    passed: bool


@dataclass(frozen=True)
class Line:
    title: str
    slug: str | None
    grade: str
    quantity: int
    unit_price_cents: int
    warranty_months: int
    warranty: Deadline | None  # the seller's commercial warranty; None until delivery
    id: int = 0
    review_id: int | None = None  # the buyer's review of this line, if written
    review_rating: int | None = None
    review_editable: bool = False  # within the edit window (from delivery)

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class StatusChange:
    status: str
    label: str
    note: str
    at: dt.datetime


@dataclass(frozen=True)
class ClaimView:
    id: int
    reason: str
    reason_label: str
    message: str
    status: str
    status_label: str
    seller_answer: str
    created_at: dt.datetime
    answered_at: dt.datetime | None
    resolution: str | None = None
    resolution_label: str = ""
    resolution_cents: int | None = None
    answer_by: dt.datetime | None = None  # while a proposal waits: when Encore's team takes over
    decision_label: str = ""
    decision_reasons: str = ""
    return_carrier: str = ""
    return_tracking: str = ""

    @property
    def awaits_buyer(self) -> bool:
        return self.status == ClaimStatus.proposed

    @property
    def can_withdraw(self) -> bool:
        return self.status in WITHDRAWABLE


@dataclass(frozen=True)
class SellerOrderSummary:
    id: int
    seller_name: str
    status: str
    status_label: str
    total_cents: int
    lines: list[Line]


@dataclass(frozen=True)
class SellerOrderDetail(SellerOrderSummary):
    items_cents: int
    shipping_cents: int
    promised_delivery_date: dt.date
    carrier: str
    tracking_number: str
    shipped_at: dt.datetime | None
    delivered_on: dt.date | None
    delivered_late: bool
    history: list[StatusChange]
    claims: list[ClaimView]
    legal_guarantee: Deadline | None  # None until delivery: it starts then
    withdrawal: Deadline | None

    @property
    def can_cancel(self) -> bool:
        """Paid and not shipped yet: the buyer may still cancel it (storefront.orders.transitions)."""
        return self.status in CANCELLABLE

    @property
    def can_get_help(self) -> bool:
        return self.status not in HELP_UNAVAILABLE

    @property
    def help_unavailable(self) -> str:
        return HELP_UNAVAILABLE.get(self.status, "")

    @property
    def is_active(self) -> bool:
        """Neither cancelled nor refused: its guarantees apply (or will, from delivery)."""
        return self.status not in ("cancelled", "refused")


@dataclass(frozen=True)
class OrderSummary:
    id: int
    reference: str
    status: str
    status_label: str
    created_at: dt.datetime
    total_cents: int
    currency: str
    seller_orders: list[SellerOrderSummary]
    refunded_cents: int = 0  # from the ledger's refund transactions
    payable_until: dt.datetime | None = None  # the list leaves the deadline to the order's own page

    @property
    def awaiting_payment(self) -> bool:
        """The buyer may still pay it, or cancel it."""
        return self.status == OrderStatus.pending_payment


@dataclass(frozen=True)
class OrderDetail:
    id: int
    reference: str
    status: str
    status_label: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    items_cents: int
    shipping_cents: int
    service_fee_cents: int
    total_cents: int
    currency: str
    delivery_address: list[str]
    seller_orders: list[SellerOrderDetail]
    legal_guarantee_months: int
    withdrawal_days: int
    refunded_cents: int = 0  # from the ledger's refund transactions
    payable_until: dt.datetime | None = None  # while it waits for payment: when it expires
    refunds: tuple[RefundView, ...] = ()

    @property
    def awaiting_payment(self) -> bool:
        """The buyer may still pay it, or cancel it."""
        return self.status == OrderStatus.pending_payment

    @property
    def kept_cents(self) -> int:
        """What the buyer has paid once refunds are taken off."""
        return self.total_cents - self.refunded_cents

    def seller_order(self, seller_order_id: int) -> SellerOrderDetail | None:
        return next((so for so in self.seller_orders if so.id == seller_order_id), None)


def _order_status_label(status: str) -> str:
    """What the buyer reads for an order's payment state; an unknown state shows as it is stored."""
    return ORDER_STATUS_LABELS.get(status, status)


def withdrawal_until(delivered_on: dt.date, settings: Settings) -> dt.date:
    """The last day to withdraw: the period runs from delivery and, ending on a weekend, to the next Monday
    (storefront.returns.rules, which the withdrawal function checks)."""
    return window(delivered_on, delivered_on, settings).withdrawal_until


def _deadline(ends_on: dt.date, today: dt.date) -> Deadline:
    return Deadline(ends_on=ends_on, passed=ends_on < today)


async def _seller_orders_of(order_ids: list[int]) -> list[dict[str, Any]]:
    if not order_ids:
        return []
    return await SellerOrder.select(
        *SellerOrder.all_columns(), SellerOrder.seller.name.as_alias("seller_name"),
    ).where(SellerOrder.order.is_in(order_ids)).order_by(SellerOrder.id)


async def _lines_by_seller_order(seller_order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if seller_order_ids:
        rows = await OrderLine.select(*OrderLine.all_columns(), OrderLine.variant.slug.as_alias("slug")).where(
            OrderLine.seller_order.is_in(seller_order_ids)).order_by(OrderLine.id)
        for row in rows:
            grouped[row["seller_order"]].append(row)
    return grouped


def _line(row: dict[str, Any], delivered_on: dt.date | None, today: dt.date | None,
          review: dict[str, Any] | None = None) -> Line:
    warranty = None
    if delivered_on is not None and today is not None:
        warranty = _deadline(add_months(delivered_on, row["warranty_months"]), today)
    editable = bool(review and dt.datetime.now(dt.UTC) <= review["delivered_at"] + review_rules.EDIT_WINDOW)
    return Line(title=row["title"], slug=row["slug"], grade=row["grade"], quantity=row["quantity"],
                unit_price_cents=row["unit_price_cents"], warranty_months=row["warranty_months"], warranty=warranty,
                id=row["id"], review_id=review["id"] if review else None,
                review_rating=review["rating"] if review else None, review_editable=editable)


async def _reviews_by_line(line_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not line_ids:
        return {}
    rows = await Review.select(Review.id, Review.order_line, Review.rating, Review.delivered_at).where(
        Review.order_line.is_in(line_ids))
    return {row["order_line"]: row for row in rows}


async def count_orders(account_id: int) -> int:
    return await Order.count().where(Order.account == account_id)


async def orders_of(account_id: int, *, page: int = 1, per_page: int = ORDERS_PER_PAGE) -> list[OrderSummary]:
    """The buyer's orders, newest first, `per_page` at a time, each with its seller orders and lines."""
    orders = await Order.select().where(Order.account == account_id).order_by(
        Order.created_at, Order.id, ascending=False).limit(per_page).offset((max(page, 1) - 1) * per_page)
    seller_orders = await _seller_orders_of([o["id"] for o in orders])
    lines = await _lines_by_seller_order([so["id"] for so in seller_orders])
    refunded = await refunded_to_buyers([o["id"] for o in orders])
    by_order: dict[int, list[SellerOrderSummary]] = defaultdict(list)
    for so in seller_orders:
        by_order[so["order"]].append(SellerOrderSummary(
            id=so["id"], seller_name=so["seller_name"], status=so["status"], status_label=STATUS_LABELS[so["status"]],
            total_cents=so["total_cents"],
            lines=[_line(row, None, None) for row in lines[so["id"]]],
        ))
    return [OrderSummary(id=o["id"], reference=o["reference"], status=o["status"],
                         status_label=_order_status_label(o["status"]), created_at=o["created_at"],
                         total_cents=o["total_cents"], currency=o["currency"], seller_orders=by_order[o["id"]],
                         refunded_cents=refunded.get(o["id"], 0))
            for o in orders]


def delivery_date(delivered_at: dt.datetime | None) -> dt.date | None:
    if delivered_at is None:
        return None
    return delivered_at.astimezone(dt.UTC).date() if delivered_at.tzinfo else delivered_at.date()


async def order_reference_of_line(order_line_id: int) -> str | None:
    """The reference of the order an order line belongs to: the page a review of that line goes back to."""
    row = await OrderLine.select(OrderLine.seller_order._.order._.reference.as_alias("reference")).where(
        OrderLine.id == order_line_id).first()
    return row["reference"] if row else None


async def order_summary(account_id: int, reference: str) -> dict[str, Any] | None:
    """The order's own row, for the page the payment provider sends the buyer back to; None when it does not
    exist or belongs to someone else."""
    return await Order.select().where((Order.reference == reference) & (Order.account == account_id)).first()


async def order_detail(account_id: int, reference: str, settings: Settings, *,
                       today: dt.date | None = None) -> OrderDetail | None:
    """One order in full, or None when it does not exist or belongs to someone else (they look the same)."""
    today = today or dt.date.today()
    order = await order_summary(account_id, reference)
    if order is None:
        return None
    seller_orders = await _seller_orders_of([order["id"]])
    ids = [so["id"] for so in seller_orders]
    lines = await _lines_by_seller_order(ids)
    reviews = await _reviews_by_line([row["id"] for rows in lines.values() for row in rows])
    history: dict[int, list[StatusChange]] = defaultdict(list)
    claims: dict[int, list[ClaimView]] = defaultdict(list)
    if ids:
        for event in await OrderEvent.select().where(OrderEvent.seller_order.is_in(ids)).order_by(
                OrderEvent.created_at, OrderEvent.id):
            history[event["seller_order"]].append(StatusChange(
                status=event["status"], label=STATUS_LABELS.get(event["status"], event["status"]),
                note=event["note"], at=event["created_at"]))
        for claim in await Claim.select().where(Claim.seller_order.is_in(ids)).order_by(Claim.created_at, Claim.id):
            claims[claim["seller_order"]].append(ClaimView(
                id=claim["id"], reason=claim["reason"],
                reason_label=CLAIM_REASONS.get(claim["reason"], claim["reason"]),
                message=claim["message"], status=claim["status"],
                status_label=CLAIM_STATUS_LABELS.get(claim["status"], claim["status"]),
                seller_answer=claim["seller_answer"], created_at=claim["created_at"], answered_at=claim["answered_at"],
                resolution=claim["resolution"], resolution_cents=claim["resolution_cents"],
                resolution_label=RESOLUTION_LABELS.get(claim["resolution"], "") if claim["resolution"] else "",
                answer_by=(claim["answered_at"] + dt.timedelta(days=settings.claim_buyer_days)
                           if claim["status"] == ClaimStatus.proposed and claim["answered_at"] else None),
                decision_label=DECISION_LABELS.get(claim["decision"], "") if claim["decision"] else "",
                decision_reasons=claim["decision_reasons"], return_carrier=claim["return_carrier"],
                return_tracking=claim["return_tracking"]))
    details = []
    for so in seller_orders:
        delivered_on = delivery_date(so["delivered_at"]) if so["status"] == "delivered" else None
        legal_guarantee = withdrawal = None
        if delivered_on is not None:
            legal_guarantee = _deadline(add_months(delivered_on, settings.legal_guarantee_months), today)
            withdrawal = _deadline(withdrawal_until(delivered_on, settings), today)
        details.append(SellerOrderDetail(
            id=so["id"], seller_name=so["seller_name"], status=so["status"], status_label=STATUS_LABELS[so["status"]],
            total_cents=so["total_cents"], lines=[_line(row, delivered_on, today, reviews.get(row["id"]))
                                             for row in lines[so["id"]]],
            items_cents=so["items_cents"], shipping_cents=so["shipping_cents"],
            promised_delivery_date=so["promised_delivery_date"], carrier=so["carrier"],
            tracking_number=so["tracking_number"], shipped_at=so["shipped_at"], delivered_on=delivered_on,
            delivered_late=so["delivered_late"], history=history[so["id"]], claims=claims[so["id"]],
            legal_guarantee=legal_guarantee, withdrawal=withdrawal,
        ))
    address = [order["delivery_name"], order["delivery_line1"], order["delivery_line2"],
               f"{order['delivery_postcode']} {order['delivery_city']}",
               COUNTRIES.get(order["delivery_country"], order["delivery_country"])]
    return OrderDetail(
        id=order["id"], reference=order["reference"], status=order["status"],
        status_label=_order_status_label(order["status"]), created_at=order["created_at"],
        paid_at=order["paid_at"], items_cents=order["items_cents"], shipping_cents=order["shipping_cents"],
        service_fee_cents=order["service_fee_cents"], total_cents=order["total_cents"], currency=order["currency"],
        delivery_address=[part for part in address if part.strip()], seller_orders=details,
        legal_guarantee_months=settings.legal_guarantee_months, withdrawal_days=settings.withdrawal_days,
        refunded_cents=(await refunded_to_buyers([order["id"]])).get(order["id"], 0),
        refunds=tuple(await refunds_of_order(order["id"])),
        payable_until=(payment_deadline(order["created_at"], settings)
                       if order["status"] == OrderStatus.pending_payment else None),
    )
