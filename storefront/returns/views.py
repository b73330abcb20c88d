"""What each side reads about returns: the buyer's panel on an order and its confirmation step, the printable
label, the seller's list and page, the operator's list and page. Read models only, plain data; every change
goes through `storefront.returns.service`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from storefront.orders.checkout_forms import COUNTRIES
from storefront.orders.history import delivery_date
from storefront.orders.tables import Order, OrderLine, SellerOrder
from storefront.payments import refunds
from storefront.returns import rules
from storefront.returns.rules import Window
from storefront.returns.states import OPEN_STATUSES, ReturnKind, ReturnStatus
from storefront.returns.tables import Return, ReturnEvent
from storefront.sellers.tables import Seller
from storefront.settings import Settings

KIND_LABELS = {ReturnKind.withdrawal: "Withdrawal", ReturnKind.return_: "Return"}
STATUS_LABELS = {
    ReturnStatus.requested: "Requested: waiting for the return label",
    ReturnStatus.label_issued: "Label issued: waiting for the item",
    ReturnStatus.received: "Item received: being checked",
    ReturnStatus.refunded: "Refunded",
    ReturnStatus.escalated: "With Encore's team",
    ReturnStatus.cancelled: "Cancelled by the buyer",
    ReturnStatus.closed: "Closed by Encore's team",
}
# What the seller must do next, in the list and on the dashboard.
SELLER_TO_DO = {ReturnStatus.requested: "Issue the return label", ReturnStatus.received: "Check and refund"}


@dataclass(frozen=True)
class ReturnStep:
    status: str
    label: str
    note: str
    at: dt.datetime


@dataclass(frozen=True)
class ReturnView:
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    seller_order_id: int
    reference: str
    seller_name: str
    buyer_name: str
    reason: str
    requested_at: dt.datetime
    refund_due_on: dt.date
    action_due_at: dt.datetime | None
    carrier: str
    tracking_number: str
    refund_cents: int
    reduction_reason: str
    decision_note: str
    total_cents: int  # the seller order's: item(s) and original delivery
    left_cents: int  # what is left to refund of it
    lines: list[dict[str, Any]] = field(default_factory=list)
    history: list[ReturnStep] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def buyer_may_cancel(self) -> bool:
        return self.status in (ReturnStatus.requested, ReturnStatus.label_issued)

    @property
    def has_label(self) -> bool:
        return bool(self.tracking_number)

    @property
    def to_do(self) -> str:
        return SELLER_TO_DO.get(ReturnStatus(self.status), "")


@dataclass(frozen=True)
class BuyerPanel:
    """The withdrawal function of one delivered seller order on the buyer's order page."""

    seller_order_id: int
    window: Window
    returns: list[ReturnView]  # newest first

    @property
    def current(self) -> ReturnView | None:
        return next((r for r in self.returns if r.is_open), None) or (self.returns[0] if self.returns else None)

    @property
    def can_request(self) -> bool:
        ended_for_good = (ReturnStatus.refunded, ReturnStatus.closed)
        return self.window.open and not any(r.is_open or r.status in ended_for_good for r in self.returns)


async def _views(rows: list[dict[str, Any]], *, with_details: bool = False) -> list[ReturnView]:
    if not rows:
        return []
    so_ids = list({row["seller_order"] for row in rows})
    parts = {so["id"]: so for so in await SellerOrder.select(
        SellerOrder.id, SellerOrder.total_cents, SellerOrder.order.reference.as_alias("reference"),
        SellerOrder.order.delivery_name.as_alias("buyer_name"),
        SellerOrder.seller.name.as_alias("seller_name")).where(SellerOrder.id.is_in(so_ids))}
    refunded = await refunds.refunded_of(so_ids)
    steps: dict[int, list[ReturnStep]] = {}
    lines: dict[int, list[dict[str, Any]]] = {}
    if with_details:
        for event in await ReturnEvent.select().where(
                ReturnEvent.return_request.is_in([row["id"] for row in rows])).order_by(
                ReturnEvent.created_at, ReturnEvent.id):
            steps.setdefault(event["return_request"], []).append(ReturnStep(
                event["status"], STATUS_LABELS.get(ReturnStatus(event["status"]), event["status"]), event["note"],
                event["created_at"]))
        for line in await OrderLine.select(OrderLine.seller_order, OrderLine.title, OrderLine.grade,
                                           OrderLine.quantity, OrderLine.unit_price_cents).where(
                OrderLine.seller_order.is_in(so_ids)).order_by(OrderLine.id):
            lines.setdefault(line["seller_order"], []).append(line)
    views = []
    for row in rows:
        part = parts[row["seller_order"]]
        views.append(ReturnView(
            id=row["id"], kind=row["kind"], kind_label=KIND_LABELS[ReturnKind(row["kind"])], status=row["status"],
            status_label=STATUS_LABELS[ReturnStatus(row["status"])], seller_order_id=row["seller_order"],
            reference=part["reference"], seller_name=part["seller_name"], buyer_name=part["buyer_name"],
            reason=row["reason"], requested_at=row["requested_at"], refund_due_on=row["refund_due_on"],
            action_due_at=row["action_due_at"], carrier=row["carrier"], tracking_number=row["tracking_number"],
            refund_cents=row["refund_cents"], reduction_reason=row["reduction_reason"],
            decision_note=row["decision_note"], total_cents=part["total_cents"],
            left_cents=part["total_cents"] - refunded.get(row["seller_order"], 0),
            lines=lines.get(row["seller_order"], []), history=steps.get(row["id"], [])))
    return views


async def panels_for_order(account_id: int, reference: str, settings: Settings, *,
                           today: dt.date | None = None) -> dict[int, BuyerPanel]:
    """For each delivered part of the buyer's order: the windows and the returns asked so far."""
    today = today or dt.datetime.now(dt.UTC).date()
    parts = await SellerOrder.select(SellerOrder.id, SellerOrder.status, SellerOrder.delivered_at).where(
        (SellerOrder.order.reference == reference) & (SellerOrder.order.account == account_id))
    delivered = {so["id"]: delivery_date(so["delivered_at"]) for so in parts if so["status"] == "delivered"}
    if not delivered:
        return {}
    rows = await Return.select().where(Return.seller_order.is_in(list(delivered)) & (Return.account == account_id)
                                       ).order_by(Return.requested_at, Return.id, ascending=False)
    views = await _views(rows, with_details=True)
    return {so_id: BuyerPanel(so_id, rules.window(on, today, settings),
                              [v for v in views if v.seller_order_id == so_id])
            for so_id, on in delivered.items() if on is not None}


@dataclass(frozen=True)
class RequestPage:
    """The confirmation step of a withdrawal or return: who, which order, which items."""

    reference: str
    seller_order_id: int
    seller_name: str
    buyer_name: str
    address: list[str]
    ordered_on: dt.date
    delivered_on: dt.date
    lines: list[dict[str, Any]]
    total_cents: int
    left_cents: int
    items_cents: int
    shipping_cents: int
    window: Window
    open_return: ReturnView | None


async def request_page(account_id: int, reference: str, seller_order_id: int, settings: Settings, *,
                       today: dt.date | None = None) -> RequestPage | None:
    """None when the part is not the buyer's, or not delivered (nothing to withdraw from yet)."""
    today = today or dt.datetime.now(dt.UTC).date()
    so = await SellerOrder.select(*SellerOrder.all_columns(), SellerOrder.seller.name.as_alias("seller_name")).where(
        (SellerOrder.id == seller_order_id) & (SellerOrder.order.reference == reference)
        & (SellerOrder.order.account == account_id)).first()
    if so is None or so["status"] != "delivered":
        return None
    order = await Order.select().where(Order.id == so["order"]).first()
    delivered_on = delivery_date(so["delivered_at"])
    assert order is not None and delivered_on is not None
    lines = await OrderLine.select().where(OrderLine.seller_order == seller_order_id).order_by(OrderLine.id)
    open_rows = await Return.select().where(Return.open_for == seller_order_id)
    address = [order["delivery_line1"], order["delivery_line2"],
               f"{order['delivery_postcode']} {order['delivery_city']}",
               COUNTRIES.get(order["delivery_country"], order["delivery_country"])]
    return RequestPage(
        reference=reference, seller_order_id=seller_order_id, seller_name=so["seller_name"],
        buyer_name=order["delivery_name"], address=[part for part in address if part.strip()],
        ordered_on=order["created_at"].date(), delivered_on=delivered_on, lines=lines,
        total_cents=so["total_cents"], left_cents=await refunds.left_to_refund(so), items_cents=so["items_cents"],
        shipping_cents=so["shipping_cents"], window=rules.window(delivered_on, today, settings),
        open_return=(await _views(open_rows))[0] if open_rows else None)


@dataclass(frozen=True)
class LabelView:
    return_id: int
    reference: str
    carrier: str
    tracking_number: str
    issued_at: dt.datetime
    sender: list[str]
    recipient: list[str]


async def label(return_id: int, *, account_id: int | None = None, seller_id: int | None = None) -> LabelView | None:
    """The printable return label, for the buyer or the seller of the return; None before it is issued."""
    query = Return.select().where(Return.id == return_id)
    if account_id is not None:
        query = query.where(Return.account == account_id)
    if seller_id is not None:
        query = query.where(Return.seller == seller_id)
    ret = await query.first()
    if ret is None or not ret["tracking_number"]:
        return None
    so = await SellerOrder.select(SellerOrder.order).where(SellerOrder.id == ret["seller_order"]).first()
    assert so is not None
    order = await Order.select().where(Order.id == so["order"]).first()
    seller = await Seller.select(Seller.name, Seller.legal_name, Seller.address, Seller.country).where(
        Seller.id == ret["seller"]).first()
    assert order is not None and seller is not None
    sender = [order["delivery_name"], order["delivery_line1"], order["delivery_line2"],
              f"{order['delivery_postcode']} {order['delivery_city']}",
              COUNTRIES.get(order["delivery_country"], order["delivery_country"])]
    recipient = [seller["legal_name"] or seller["name"], *seller["address"].splitlines(),
                 COUNTRIES.get(seller["country"], seller["country"])]
    return LabelView(return_id=ret["id"], reference=order["reference"], carrier=ret["carrier"],
                     tracking_number=ret["tracking_number"], issued_at=ret["label_issued_at"],
                     sender=[p for p in sender if p.strip()], recipient=[p for p in recipient if p.strip()])


async def seller_returns(seller_id: int, status: str | None = None) -> list[ReturnView]:
    """The seller's returns, those waiting for it first, then the newest."""
    query = Return.select().where(Return.seller == seller_id)
    if status:
        query = query.where(Return.status == status)
    rows = await query.order_by(Return.requested_at, ascending=False).limit(200)
    views = await _views(rows)
    return sorted(views, key=lambda v: not v.to_do)


async def seller_counts(seller_id: int) -> dict[str, int]:
    rows = await Return.select(Return.status).where(Return.seller == seller_id)
    counts = {status.value: 0 for status in ReturnStatus}
    for row in rows:
        counts[row["status"]] += 1
    return counts


async def to_act_count(seller_id: int) -> int:
    return await Return.count().where((Return.seller == seller_id) & Return.status.is_in(list(SELLER_TO_DO)))


async def seller_return(seller_id: int, return_id: int) -> ReturnView | None:
    rows = await Return.select().where((Return.id == return_id) & (Return.seller == seller_id))
    views = await _views(rows, with_details=True)
    return views[0] if views else None


async def returns_of_seller_order(seller_id: int, seller_order_id: int) -> list[ReturnView]:
    rows = await Return.select().where((Return.seller_order == seller_order_id) & (Return.seller == seller_id)
                                       ).order_by(Return.requested_at, ascending=False)
    return await _views(rows)


async def ops_returns(status: str | None = None) -> list[ReturnView]:
    """For the operator: the escalated returns first, then every open one, then the rest, newest first."""
    query = Return.select()
    if status:
        query = query.where(Return.status == status)
    rows = await query.order_by(Return.requested_at, ascending=False).limit(200)
    rank: dict[ReturnStatus, int] = {status: 1 for status in OPEN_STATUSES}
    rank[ReturnStatus.escalated] = 0
    return sorted(await _views(rows), key=lambda v: rank.get(ReturnStatus(v.status), 2))


async def ops_return(return_id: int) -> ReturnView | None:
    views = await _views(await Return.select().where(Return.id == return_id), with_details=True)
    return views[0] if views else None


async def escalated_count() -> int:
    return await Return.count().where(Return.status == ReturnStatus.escalated)


async def buyer_return(account_id: int, return_id: int) -> ReturnView | None:
    views = await _views(await Return.select().where((Return.id == return_id) & (Return.account == account_id)))
    return views[0] if views else None


async def latest_states(account_id: int, seller_order_ids: list[int]) -> dict[int, str]:
    """For the buyer's order list: each part's latest return, as "Withdrawal: Refunded"."""
    if not seller_order_ids:
        return {}
    rows = await Return.select(Return.seller_order, Return.kind, Return.status).where(
        Return.seller_order.is_in(seller_order_ids) & (Return.account == account_id)).order_by(Return.id)
    # Ordered by id: the latest return of a part is the one kept.
    return {row["seller_order"]: f"{KIND_LABELS[ReturnKind(row['kind'])]}: "
            f"{STATUS_LABELS[ReturnStatus(row['status'])].split(':')[0]}" for row in rows}
