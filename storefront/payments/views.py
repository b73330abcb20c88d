"""What the payment sandbox's pages read: a payment by the reference handed to the provider, and the order it
pays. Plain reads, no HTTP here."""
from __future__ import annotations

from typing import Any

from storefront.orders.tables import Order
from storefront.payments.tables import Payment


async def payment_and_order(reference: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The payment and the figures of its order the hosted page shows; None for an unknown reference."""
    payment = await Payment.select().where(Payment.provider_reference == reference).first()
    if payment is None:
        return None
    order = await Order.select(Order.reference, Order.total_cents, Order.currency, Order.created_at).where(
        Order.id == payment["order"]).first()
    return (payment, order) if order else None
