"""The provider payment an unpaid order is paid through.

A payment stays open after a declined card, as a provider's payment does: the buyer tries another card or
means of payment on the same payment until the order is paid, cancelled or expired. Closing it is how the
store tells the provider to take no money for an order that ended unpaid.
"""
from __future__ import annotations

import datetime as dt

from storefront.payments.states import PaymentStatus
from storefront.payments.tables import Payment


async def open_payment_of(order_id: int) -> str | None:
    """The provider's reference of the order's payment still waiting for money, or None."""
    row = await Payment.select(Payment.provider_reference).where(
        (Payment.order == order_id) & (Payment.status == PaymentStatus.created)).order_by(
        Payment.id, ascending=False).first()
    return row["provider_reference"] if row else None


async def close_open_payments(order_id: int) -> None:
    """Inside the transaction that ends the order unpaid: a notification that arrives afterwards is ignored.

    Called before the order's own row is changed, the order a provider's notification locks them in (payment,
    then order), so the two never wait for each other on PostgreSQL.
    """
    await Payment.update({Payment.status: PaymentStatus.cancelled, Payment.updated_at: dt.datetime.now(dt.UTC)}).where(
        (Payment.order == order_id) & (Payment.status == PaymentStatus.created))
