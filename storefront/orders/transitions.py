"""Every change of an order's state goes through here (claims apart: storefront/orders/claims.py, whose names
are still importable from here for the code that opened claims before): the allowed moves, their history, their money
(ledger), their stock, their e-mails, and the seller figures they feed.

A move is a conditional UPDATE on the current status, so two clicks or two tabs cannot apply it twice.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from storefront.accounts.tables import Account
from storefront.cart import service as carts
from storefront.catalog.outbox import mark_for_reindex
from storefront.db import write_transaction
from storefront.errors import NotFound
from storefront.orders import notifications
from storefront.orders.claims import CLAIM_REASONS, MAX_CLAIM_MESSAGE, ClaimInput, open_claim  # noqa: F401
from storefront.orders.states import OrderStatus, SellerOrderStatus
from storefront.orders.tables import Order, OrderEvent, OrderLine, SellerOrder
from storefront.orders.webhook_events import seller_order_event
from storefront.payments import attempts, ledger, refunds
from storefront.payments.states import RefundReason
from storefront.rows import one
from storefront.sellers import figures
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from storefront.webhooks.states import EventType

ALLOWED: dict[str, set[str]] = {
    "awaiting_payment": {"pending", "cancelled"},
    # The buyer may cancel until the seller ships.
    "pending": {"accepted", "refused", "cancelled"},
    "accepted": {"shipped", "cancelled"},
    "shipped": {"delivered"},
}
STATUS_LABELS = {
    "awaiting_payment": "Waiting for payment", "pending": "Waiting for the seller",
    "accepted": "Confirmed by the seller", "refused": "Refused by the seller, refunded", "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


class TransitionError(ValueError):
    """The move is not allowed from the order's current state; the message says why."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _move(seller_order: dict[str, Any], to_status: str, note: str, at: dt.datetime | None = None,
                **values: Any) -> None:
    current = seller_order["status"]
    if to_status == current:
        raise TransitionError(f"This order is already “{STATUS_LABELS[current]}”.")
    if to_status not in ALLOWED.get(current, set()):
        raise TransitionError(f"This order is “{STATUS_LABELS[current]}”: it cannot become "
                              f"“{STATUS_LABELS[to_status]}”.")
    changes = {getattr(SellerOrder, name): value for name, value in values.items()}
    changes[SellerOrder.status] = to_status
    moved = await SellerOrder.update(changes).where(
        (SellerOrder.id == seller_order["id"]) & (SellerOrder.status == current)).returning(SellerOrder.id)
    if not moved:
        raise TransitionError("This order changed in the meantime. Please reload the page.")
    await OrderEvent.insert(OrderEvent(seller_order=seller_order["id"], status=to_status, note=note,
                                       created_at=at or _now()))
    seller_order["status"] = to_status


async def _seller_order_of(seller_order_id: int, seller_id: int | None) -> dict[str, Any]:
    query = SellerOrder.select().where(SellerOrder.id == seller_order_id)
    if seller_id is not None:
        query = query.where(SellerOrder.seller == seller_id)
    row = await query.first()
    if row is None:
        # Another seller's order and a missing one look the same.
        raise NotFound(seller_order_id)
    return row


async def _return_stock(seller_order_id: int) -> list[int]:
    lines = await OrderLine.select(OrderLine.offer, OrderLine.quantity, OrderLine.variant).where(
        OrderLine.seller_order == seller_order_id)
    for line in lines:
        await Offer.update({Offer.stock: Offer.stock + line["quantity"]}).where(Offer.id == line["offer"])
    return [line["variant"] for line in lines]


async def _buyer_email(order: dict[str, Any]) -> str:
    return (await one(Account.select(Account.email).where(Account.id == order["account"]).first(),
                      order["account"]))["email"]


async def _order(order_id: int) -> dict[str, Any]:
    return await one(Order.select().where(Order.id == order_id).first(), order_id)


async def _seller(seller_id: int) -> dict[str, Any]:
    """The seller's name and e-mail, for the messages a move sends."""
    return await one(Seller.select(Seller.name, Seller.email).where(Seller.id == seller_id).first(), seller_id)


async def payment_succeeded(order_id: int, settings: Settings, *, now: dt.datetime | None = None) -> bool:
    """The provider confirmed the payment: the order is paid and each seller is asked to accept. `now` is
    for orders recorded after the fact (the demo's history); it defaults to the present."""
    now = now or _now()
    async with write_transaction(Order._meta.db):
        moved = await Order.update({Order.status: OrderStatus.paid, Order.paid_at: now}).where(
            (Order.id == order_id) & (Order.status == OrderStatus.pending_payment)).returning(Order.id)
        if not moved:
            return False
        order = await _order(order_id)
        seller_orders = await SellerOrder.select().where(SellerOrder.order == order_id)
        for seller_order in seller_orders:
            await _move(seller_order, "pending", "Payment received; waiting for the seller to confirm.", at=now)
        await ledger.record_payment(order, seller_orders, at=now)
        lines = await OrderLine.select().where(OrderLine.seller_order.is_in([so["id"] for so in seller_orders]))
        # The cart it came from; orders placed before carts were recorded on them empty the buyer's latest cart.
        if cart_id := order["cart"] or await carts.cart_of_account(order["account"]):
            ordered: dict[int, int] = {}
            for line in lines:
                ordered[line["offer"]] = ordered.get(line["offer"], 0) + line["quantity"]
            await carts.remove_ordered(cart_id, ordered)
        await notifications.order_confirmed(settings, to=await _buyer_email(order), order=order, lines=lines)
        sellers = {s["id"]: s for s in await Seller.select(Seller.id, Seller.email).where(
            Seller.id.is_in([so["seller"] for so in seller_orders]))}
        for seller_order in seller_orders:
            await notifications.new_order_for_seller(settings, to=sellers[seller_order["seller"]]["email"],
                                                     order=order, seller_order=seller_order)
            await seller_order_event(seller_order["seller"], seller_order["id"], EventType.order_created, at=now)
    return True


def payment_deadline(created_at: dt.datetime, settings: Settings) -> dt.datetime:
    """Until when an unpaid order keeps its stock; afterwards `expire_unpaid_orders` cancels it."""
    return created_at + dt.timedelta(minutes=settings.unpaid_order_minutes)


async def payment_failed(order_id: int, settings: Settings) -> bool:
    """A payment attempt was declined: nothing was charged and the order stays waiting, its stock kept, so the
    buyer can try another card or means of payment until it expires. The attempt goes into the history.
    Returns False when the order is no longer waiting for payment."""
    async with write_transaction(Order._meta.db):
        order = await Order.select(Order.status, Order.created_at).where(Order.id == order_id).first()
        if order is None or order["status"] != OrderStatus.pending_payment:
            return False
        until = payment_deadline(order["created_at"], settings)
        note = (f"A payment attempt was declined; nothing was charged. You can try again until "
                f"{until.astimezone(dt.UTC):%H:%M} UTC.")
        seller_orders = await SellerOrder.select(SellerOrder.id).where(SellerOrder.order == order_id)
        await OrderEvent.insert(*(OrderEvent(seller_order=so["id"], status=SellerOrderStatus.awaiting_payment,
                                             note=note, created_at=_now()) for so in seller_orders))
    return True


class _NotClaimed(Exception):
    """Another worker, the buyer or a payment got to the order first: roll back what was started."""


async def _end_unpaid(order_id: int, to_status: OrderStatus, note: str, account_id: int | None = None
                      ) -> dict[str, Any] | None:
    """Cancels an order still waiting for payment and gives its stock back, once: the conditional UPDATE on its
    status is the claim, so two workers (or a worker and the buyer) never both return the stock. Returns the
    order's row as it was, or None when someone else had already moved it."""
    try:
        async with write_transaction(Order._meta.db):
            await attempts.close_open_payments(order_id)
            where = (Order.id == order_id) & (Order.status == OrderStatus.pending_payment)
            if account_id is not None:
                where &= Order.account == account_id
            if not await Order.update({Order.status: to_status}).where(where).returning(Order.id):
                raise _NotClaimed
            order = await _order(order_id)
            variants: list[int] = []
            for seller_order in await SellerOrder.select().where(SellerOrder.order == order_id):
                await _move(seller_order, "cancelled", note)
                variants += await _return_stock(seller_order["id"])
            # Stock came back: an offer that had sold out returns to search.
            await mark_for_reindex(variants)
            # No webhook: an unpaid order was never an order for its sellers (no `order.created` went out, the
            # portal does not show it), so its end is no news to them either.
    except _NotClaimed:
        return None
    return order


async def cancel_unpaid(order_id: int, *, account_id: int) -> bool:
    """The buyer cancels an order they have not paid: nothing was charged, the stock goes back on sale."""
    return await _end_unpaid(order_id, OrderStatus.cancelled, "Cancelled by the buyer before payment; nothing was "
                             "charged.", account_id=account_id) is not None


async def replace_unpaid(order_id: int, *, account_id: int) -> bool:
    """The buyer ordered their cart again after changing it: the earlier unpaid order gives way to the new one."""
    return await _end_unpaid(order_id, OrderStatus.cancelled, "Replaced by a new order from the changed cart; "
                             "nothing was charged.", account_id=account_id) is not None


async def expire_unpaid_orders(settings: Settings, *, now: dt.datetime | None = None) -> int:
    """The scheduled job: every order still unpaid past its deadline is cancelled and its stock returned.
    Safe to run from several workers at once; each order is claimed by one. Returns how many this run expired."""
    cutoff = (now or _now()) - dt.timedelta(minutes=settings.unpaid_order_minutes)
    due = await Order.select(Order.id).where(
        (Order.status == OrderStatus.pending_payment) & (Order.created_at <= cutoff)).order_by(Order.id)
    expired = 0
    for row in due:
        note = f"Not paid within {settings.unpaid_order_minutes} minutes; cancelled, nothing was charged."
        order = await _end_unpaid(row["id"], OrderStatus.expired, note)
        if order is not None:
            expired += 1
            await notifications.unpaid_order_expired(settings, to=await _buyer_email(order), order=order,
                                                     minutes=settings.unpaid_order_minutes)
    return expired


async def accept(seller_order_id: int, *, seller_id: int, settings: Settings,
                 now: dt.datetime | None = None) -> int:
    """The seller confirms: a confirmed transaction, on which the commission is due. Returns it in cents."""
    now = now or _now()
    async with write_transaction(Order._meta.db):
        seller_order = await _seller_order_of(seller_order_id, seller_id)
        await _move(seller_order, "accepted", "The seller confirmed the order.", at=now, accepted_at=now)
        commission = await ledger.record_commission(seller_order, settings.seller_fees.commission_basis_points,
                                                    at=now)
        order = await _order(seller_order["order"])
        seller = await _seller(seller_id)
        await notifications.seller_decision(settings, to=await _buyer_email(order), order=order,
                                            seller_name=seller["name"], accepted=True)
    return commission


async def refuse(seller_order_id: int, *, seller_id: int, settings: Settings, reason: str = "") -> int:
    """The seller cannot fulfil: the buyer is refunded and the stock comes back. Returns the refund."""
    async with write_transaction(Order._meta.db):
        seller_order = await _seller_order_of(seller_order_id, seller_id)
        await _move(seller_order, "refused", reason or "The seller could not fulfil the order.")
        order = await _order(seller_order["order"])
        booked = await refunds.book_rest(seller_order, RefundReason.refusal)
        await mark_for_reindex(await _return_stock(seller_order_id))
        seller = await _seller(seller_id)
        refund = booked.to_buyer_cents
        await notifications.seller_decision(settings, to=await _buyer_email(order), order=order,
                                            seller_name=seller["name"], accepted=False, refund_cents=refund)
        await seller_order_event(seller_id, seller_order_id, EventType.order_cancelled)
    return refund


CANCELLABLE = ("pending", "accepted")


async def cancel_by_buyer(seller_order_id: int, *, account_id: int, settings: Settings,
                          now: dt.datetime | None = None) -> int:
    """The buyer cancels a paid part of an order the seller has not shipped yet: the stock comes back, the
    seller's commission (if it had accepted) is handed back, and the buyer is refunded in full (with the
    service fee once nothing of the order is kept). Returns what goes back to the buyer, in cents."""
    now = now or _now()
    async with write_transaction(Order._meta.db):
        seller_order = await SellerOrder.select().where(SellerOrder.id == seller_order_id).first()
        order = seller_order and await Order.select().where(Order.id == seller_order["order"]).first()
        if seller_order is None or order is None or order["account"] != account_id:
            raise NotFound(seller_order_id)
        if seller_order["status"] not in CANCELLABLE:
            raise TransitionError(
                "The seller has already shipped it: you can withdraw once it is delivered." if seller_order["status"]
                in ("shipped", "delivered") else f"This part of the order is “{STATUS_LABELS[seller_order['status']]}”:"
                " there is nothing to cancel.")
        await _move(seller_order, "cancelled", "Cancelled by the buyer before shipping; refunded in full.", at=now)
        booked = await refunds.book_rest(seller_order, RefundReason.cancellation, at=now)
        await mark_for_reindex(await _return_stock(seller_order_id))
        seller = await _seller(seller_order["seller"])
        await notifications.cancelled_by_buyer(settings, buyer=await _buyer_email(order), seller=seller["email"],
                                               order=order, seller_name=seller["name"],
                                               refund_cents=booked.to_buyer_cents, seller_order_id=seller_order_id)
        await seller_order_event(seller_order["seller"], seller_order_id, EventType.order_cancelled, at=now)
        await figures.recompute(seller_order["seller"])
    return booked.to_buyer_cents


async def ship(seller_order_id: int, *, seller_id: int, carrier: str, tracking_number: str,
               settings: Settings, now: dt.datetime | None = None) -> None:
    now = now or _now()
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise TransitionError("Give the carrier and the tracking number.")
    async with write_transaction(Order._meta.db):
        seller_order = await _seller_order_of(seller_order_id, seller_id)
        await _move(seller_order, "shipped", f"Shipped with {carrier}, tracking {tracking_number}.",
                    at=now, shipped_at=now, carrier=carrier[:60], tracking_number=tracking_number[:60])
        order = await _order(seller_order["order"])
        seller = await _seller(seller_id)
        await notifications.shipped(settings, to=await _buyer_email(order), order=order, seller_name=seller["name"],
                                    carrier=carrier, tracking=tracking_number)


async def deliver(seller_order_id: int, *, seller_id: int, settings: Settings,
                  today: dt.date | None = None, now: dt.datetime | None = None) -> bool:
    """Delivered; late when after the promised date. Returns whether it was late."""
    now = now or _now()
    today = today or now.date()
    async with write_transaction(Order._meta.db):
        seller_order = await _seller_order_of(seller_order_id, seller_id)
        late = today > seller_order["promised_delivery_date"]
        note = "Delivered after the promised date." if late else "Delivered."
        await _move(seller_order, "delivered", note, at=now, delivered_at=now, delivered_late=late)
        order = await _order(seller_order["order"])
        seller = await _seller(seller_id)
        await notifications.delivered(settings, to=await _buyer_email(order), order=order, seller_name=seller["name"])
        await figures.recompute(seller_id)
    return late
