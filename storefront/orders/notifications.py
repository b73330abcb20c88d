"""The e-mails an order sends, at each step, through the outbox. Plain text, our own words."""
from __future__ import annotations

from storefront.mail.outbox import queue
from storefront.settings import Settings
from storefront.units import money


def _order_url(settings: Settings, reference: str) -> str:
    return f"{settings.public_base_url}/account/orders/{reference}"


async def order_confirmed(settings: Settings, *, to: str, order: dict, lines: list[dict]) -> None:
    items = "\n".join(f"- {line['quantity']} × {line['title']} ({line['grade']}): "
                      f"{money(line['unit_price_cents'] * line['quantity'])}" for line in lines)
    await queue(to=to, kind="order_confirmed", subject=f"Your order {order['reference']} is paid", body=(
        f"Thank you. We received your payment for order {order['reference']}.\n\n{items}\n\n"
        f"Shipping: {money(order['shipping_cents'])}\nService fee: {money(order['service_fee_cents'])}\n"
        f"Total paid: {money(order['total_cents'])}\n\n"
        f"Each seller now confirms its part of the order. Follow it here: {_order_url(settings, order['reference'])}\n"
    ))


async def unpaid_order_expired(settings: Settings, *, to: str, order: dict, minutes: int) -> None:
    await queue(to=to, kind="unpaid_order_expired", subject=f"Order {order['reference']} was not paid and is cancelled",
                body=(f"Order {order['reference']} was not paid within {minutes} minutes, so it was cancelled and "
                      f"nothing was charged. Your cart still holds the items: {settings.public_base_url}/cart\n"))


async def new_order_for_seller(settings: Settings, *, to: str, order: dict, seller_order: dict) -> None:
    await queue(to=to, kind="seller_new_order", subject=f"New order {order['reference']} to accept", body=(
        f"A buyer paid order {order['reference']} ({money(seller_order['total_cents'])} for you, shipping "
        f"included). Accept or refuse it in your portal: "
        f"{settings.public_base_url}/seller/orders/{seller_order['id']}\n"
        f"Promised delivery date: {seller_order['promised_delivery_date']:%d %B %Y}.\n"
    ))


async def seller_decision(settings: Settings, *, to: str, order: dict, seller_name: str, accepted: bool,
                          refund_cents: int = 0) -> None:
    if accepted:
        subject, body = (f"{seller_name} confirmed your order {order['reference']}",
                         f"{seller_name} confirmed its part of order {order['reference']} and is preparing it.\n")
    else:
        subject, body = (f"{seller_name} could not fulfil your order {order['reference']}",
                         f"{seller_name} could not fulfil its part of order {order['reference']}. We refund "
                         f"{money(refund_cents)} to your means of payment.\n")
    await queue(to=to, kind="seller_accepted" if accepted else "seller_refused", subject=subject,
                body=body + f"Your order: {_order_url(settings, order['reference'])}\n")


async def shipped(settings: Settings, *, to: str, order: dict, seller_name: str, carrier: str, tracking: str) -> None:
    await queue(to=to, kind="shipped", subject=f"Your order {order['reference']} is on its way", body=(
        f"{seller_name} shipped your parcel with {carrier}, tracking number {tracking}.\n"
        f"Your order: {_order_url(settings, order['reference'])}\n"
    ))


async def delivered(settings: Settings, *, to: str, order: dict, seller_name: str) -> None:
    await queue(to=to, kind="delivered", subject=f"Your order {order['reference']} was delivered", body=(
        f"The parcel from {seller_name} was delivered. Your {settings.withdrawal_days}-day withdrawal period and "
        f"the {settings.legal_guarantee_months // 12}-year legal guarantee start today. If anything is wrong, "
        f"use “Get help” on your order: {_order_url(settings, order['reference'])}\n"
    ))


async def claim_opened(settings: Settings, *, to: str, order: dict, seller_order_id: int, reason: str) -> None:
    await queue(to=to, kind="claim_opened", subject=f"A buyer needs help with order {order['reference']}", body=(
        f"The buyer opened a claim ({reason}). Answer it in your portal: "
        f"{settings.public_base_url}/seller/orders/{seller_order_id}\n"
    ))


async def claim_answered(settings: Settings, *, to: str, order: dict, seller_name: str) -> None:
    await queue(to=to, kind="claim_answered", subject=f"{seller_name} answered about order {order['reference']}",
                body=f"Read the answer on your order: {_order_url(settings, order['reference'])}\n")


async def cancelled_by_buyer(settings: Settings, *, buyer: str, seller: str, order: dict, seller_name: str,
                             refund_cents: int, seller_order_id: int) -> None:
    await queue(to=buyer, kind="cancelled_by_buyer", subject=f"Order {order['reference']}: cancellation confirmed",
                body=(f"You cancelled the part of order {order['reference']} sold by {seller_name}. We refund "
                      f"{money(refund_cents)} to your means of payment; it usually shows within a few working days.\n"
                      f"Your order: {_order_url(settings, order['reference'])}\n"))
    await queue(to=seller, kind="seller_order_cancelled",
                subject=f"Order {order['reference']} was cancelled by the buyer",
                body=(f"The buyer cancelled order {order['reference']} before it was shipped: do not ship it. The "
                      f"stock is back on your offers and the buyer is refunded.\n"
                      f"{settings.public_base_url}/seller/orders/{seller_order_id}\n"))
