"""Placing an order: the one function that turns a cart into an order, in one transaction.

Stock is taken with a conditional UPDATE (never below zero, only while the availability rule lets the offer be
bought, and only at the price and shipping cost the cart line froze), one seller order is made per seller, and
the idempotency key of the checkout makes a double click or a resubmitted form find the same order. An order is
never taken at figures the shopper has not seen: a change refuses it until the cart is updated.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from storefront.cart import service as carts
from storefront.cart.service import CartView
from storefront.catalog.outbox import mark_for_reindex
from storefront.db import write_transaction
from storefront.orders import transitions
from storefront.orders.states import OrderStatus
from storefront.orders.tables import Order, OrderEvent, OrderLine, SellerOrder
from storefront.payments import attempts
from storefront.payments.tables import Payment
from storefront.sellers.availability import buyable_offer_clause
from storefront.sellers.tables import Offer
from storefront.settings import Settings

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CheckoutBlocked(Exception):
    """The order cannot be placed as it stands; the message tells the shopper what to do."""


@dataclass(frozen=True)
class DeliveryAddress:
    name: str
    line1: str
    postcode: str
    city: str
    country: str = "FR"
    line2: str = ""
    phone: str = ""


@dataclass(frozen=True)
class PlacedOrder:
    order_id: int
    reference: str
    payment_reference: str
    total_cents: int
    created: bool  # False when the idempotency key found an order placed before
    awaiting_payment: bool = True  # False once the provider has answered: paying again makes no sense


def new_reference() -> str:
    return "EN-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def add_working_days(start: dt.date, days: int) -> dt.date:
    current = start
    while days > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


async def order_placed_with(idempotency_key: str, account_id: int) -> PlacedOrder | None:
    """The order this checkout key already placed for this account (`created=False`), or None.

    The one answer to "was this form already submitted?": `place_order` asks it before and under the write
    lock, and the checkout asks it when the form comes back after its cart moved on (a reload, the back button
    after paying). Another account's key finds nothing.
    """
    if not idempotency_key:
        return None
    order = await Order.select(Order.id, Order.reference, Order.total_cents, Order.status).where(
        (Order.idempotency_key == idempotency_key) & (Order.account == account_id)).first()
    if order is None:
        return None
    payment = await Payment.select(Payment.provider_reference).where(Payment.order == order["id"]).order_by(
        Payment.id, ascending=False).first()
    return PlacedOrder(order["id"], order["reference"], payment["provider_reference"] if payment else "",
                       order["total_cents"], created=False,
                       awaiting_payment=order["status"] == OrderStatus.pending_payment)


class _PlacedMeanwhile(Exception):
    """Another press for the same cart placed its order first: roll back the stock this one took."""

    def __init__(self, placed: PlacedOrder) -> None:
        self.placed = placed


async def unpaid_order_of_cart(cart_id: str, account_id: int) -> PlacedOrder | None:
    """The order placed from this cart that still waits for payment (`created=False`), or None."""
    order = await Order.select(Order.id, Order.reference, Order.total_cents).where(
        (Order.cart == cart_id) & (Order.account == account_id) & (Order.status == OrderStatus.pending_payment)
    ).order_by(Order.id, ascending=False).first()
    if order is None:
        return None
    payment_reference = await attempts.open_payment_of(order["id"])
    if payment_reference is None:
        return None
    return PlacedOrder(order["id"], order["reference"], payment_reference, order["total_cents"], created=False)


def _terms_of_cart(view: CartView, address: DeliveryAddress, payment_means: str) -> tuple[Any, ...]:
    """What an order from this cart would be: lines at their frozen prices, each seller's shipping, the
    delivery address, the means of payment and the total."""
    return (sorted((line.offer_id, line.quantity, line.unit_price_cents) for line in view.lines),
            sorted((group.seller_id, group.shipping_cents) for group in view.groups),
            (address.name, address.line1, address.line2, address.postcode, address.city, address.country,
             address.phone), payment_means, view.total_cents)


async def _terms_of_order(order_id: int) -> tuple[Any, ...]:
    order = await Order.select().where(Order.id == order_id).first()
    if order is None:
        raise LookupError(f"order {order_id} vanished while it was compared with its cart")
    seller_orders = await SellerOrder.select(SellerOrder.id, SellerOrder.seller, SellerOrder.shipping_cents).where(
        SellerOrder.order == order_id)
    lines = await OrderLine.select(OrderLine.offer, OrderLine.quantity, OrderLine.unit_price_cents).where(
        OrderLine.seller_order.is_in([so["id"] for so in seller_orders] or [0]))
    return (sorted((line["offer"], line["quantity"], line["unit_price_cents"]) for line in lines),
            sorted((so["seller"], so["shipping_cents"]) for so in seller_orders),
            (order["delivery_name"], order["delivery_line1"], order["delivery_line2"], order["delivery_postcode"],
             order["delivery_city"], order["delivery_country"], order["delivery_phone"]),
            order["payment_means"], order["total_cents"])


async def place_order(*, cart_id: str, account_id: int, address: DeliveryAddress, payment_means: str,
                      idempotency_key: str, settings: Settings,
                      provider: str = "sandbox", now: dt.datetime | None = None) -> PlacedOrder:
    """Places the cart as an order waiting for payment, or finds the one already placed for it.

    Ordering a cart again while an order from it waits for payment (back to the review step, then the button
    again) leads to that order's payment when the cart still says the same, since that is the order the shopper
    meant: no second order, no second unit taken. When the cart changed (lines, quantities, address, means of
    payment), what the shopper now sees is what they mean to buy: the earlier order is cancelled and its stock
    returned before the new one is placed, so the shopper never holds, nor pays for, both.

    `now` places an order in the past, for the demo's history; it defaults to the present.
    """
    if found := await order_placed_with(idempotency_key, account_id):
        return found
    view = await carts.load(cart_id, settings.service_fee)
    if view.is_empty:
        raise CheckoutBlocked("Your cart is empty.")
    if earlier := await unpaid_order_of_cart(cart_id, account_id):
        if await _terms_of_order(earlier.order_id) == _terms_of_cart(view, address, payment_means):
            return earlier
        await transitions.replace_unpaid(earlier.order_id, account_id=account_id)
        # Its stock is back: the cart is read again, so the units the earlier order held count as available.
        view = await carts.load(cart_id, settings.service_fee)
    try:
        return await _place(view, cart_id=cart_id, account_id=account_id, address=address,
                            payment_means=payment_means, idempotency_key=idempotency_key, settings=settings,
                            provider=provider, now=now)
    except _PlacedMeanwhile as meanwhile:
        return meanwhile.placed


async def _place(view: CartView, *, cart_id: str, account_id: int, address: DeliveryAddress, payment_means: str,
                 idempotency_key: str, settings: Settings, provider: str,
                 now: dt.datetime | None = None) -> PlacedOrder:
    if view.needs_attention:
        raise CheckoutBlocked("Some prices, shipping costs or stock changed since you added them: please check "
                              "your cart.")
    if payment_means not in view.payment_means:
        raise CheckoutBlocked("Choose a means of payment that every seller in your cart accepts.")
    now = now or dt.datetime.now(dt.UTC)
    today = now.date()
    engine = Order._meta.db
    async with write_transaction(engine):
        # Checked again under the write lock: two submissions of one form queue here.
        if found := await order_placed_with(idempotency_key, account_id):
            return found
        for line in view.lines:
            # The rule and the frozen figures again, in the statement that takes the stock: a measure or a
            # seller's edit committed since the cart was read refuses the line.
            taken = await Offer.update({Offer.stock: Offer.stock - line.quantity}).where(
                (Offer.id == line.offer_id) & buyable_offer_clause(line.quantity)
                & (Offer.price_cents == line.unit_price_cents) & (Offer.shipping_cents == line.shipping_cents)
            ).returning(Offer.id)
            if not taken:
                # Raising rolls back the stock already taken for earlier lines.
                raise CheckoutBlocked(f"“{line.title}” has just sold out or changed. Please check your cart.")
        # After the stock: on PostgreSQL a second press for this cart waits on the offers' rows until the first
        # commits, and then sees its order here (SQLite's write lock already queues the whole transaction).
        if concurrent := await unpaid_order_of_cart(cart_id, account_id):
            raise _PlacedMeanwhile(concurrent)
        order = Order(
            reference=new_reference(), account=account_id, status=OrderStatus.pending_payment,
            items_cents=view.items_cents, shipping_cents=view.shipping_cents, service_fee_cents=view.service_fee_cents,
            total_cents=view.total_cents, currency=settings.currency, payment_means=payment_means,
            idempotency_key=idempotency_key, cart=cart_id, delivery_name=address.name, delivery_line1=address.line1,
            delivery_line2=address.line2, delivery_postcode=address.postcode, delivery_city=address.city,
            delivery_country=address.country, delivery_phone=address.phone, created_at=now,
        )
        await order.save()
        variants = {row["id"]: row["variant"] for row in await Offer.select(Offer.id, Offer.variant).where(
            Offer.id.is_in([line.offer_id for line in view.lines]))}
        for group in view.groups:
            seller_order = SellerOrder(
                order=order.id, seller=group.seller_id, status="awaiting_payment", items_cents=group.items_cents,
                shipping_cents=group.shipping_cents, total_cents=group.items_cents + group.shipping_cents,
                promised_delivery_date=add_working_days(today, group.delivery_days),
            )
            await seller_order.save()
            await OrderLine.insert(*(
                OrderLine(seller_order=seller_order.id, offer=line.offer_id, variant=variants[line.offer_id],
                          title=line.title, grade=line.grade_label, quantity=line.quantity,
                          unit_price_cents=line.unit_price_cents, warranty_months=line.warranty_months)
                for line in group.lines
            ))
            await OrderEvent.insert(OrderEvent(seller_order=seller_order.id, status="awaiting_payment",
                                               note="Order placed, waiting for payment.", created_at=now))
        payment = Payment(order=order.id, provider=provider, provider_reference="pay_" + secrets.token_hex(12),
                          amount_cents=order.total_cents, currency=order.currency, status="created",
                          created_at=now, updated_at=now)
        await payment.save()
        # The paid order empties this cart later: it must be the buyer's, whoever started it.
        await carts.claim(cart_id, account_id)
        # Stock moved: an offer that sold out must leave search.
        await mark_for_reindex(variants.values())
    return PlacedOrder(order.id, order.reference, payment.provider_reference, order.total_cents, created=True)
