"""What the store does with a provider's notification: verify, handle once, move the order."""
from __future__ import annotations

import datetime as dt

from storefront.db import is_unique_violation, write_transaction
from storefront.orders import transitions
from storefront.payments.provider import InvalidNotification, Notification, PaymentProvider
from storefront.payments.states import PaymentStatus
from storefront.payments.tables import Payment, PaymentNotification
from storefront.settings import Settings


class _AlreadyHandled(Exception):
    """Leaves the transaction (and rolls it back: PostgreSQL aborts it after a unique violation)."""


async def _first_time(notification: Notification, body: bytes) -> bool:
    """Records the event; False when it was handled before (a replay or a duplicate delivery)."""
    if await PaymentNotification.exists().where(PaymentNotification.event_id == notification.event_id):
        return False
    try:
        await PaymentNotification.insert(PaymentNotification(
            event_id=notification.event_id, payment_reference=notification.payment_reference,
            payload=body.decode(errors="replace")[:4000], received_at=dt.datetime.now(dt.UTC)))
    except Exception as error:
        if is_unique_violation(error):  # a concurrent delivery of the same event got there first
            raise _AlreadyHandled from error
        raise
    return True


async def handle_notification(body: bytes, signature: str, *, provider: PaymentProvider,
                              settings: Settings, now: dt.datetime | None = None) -> str:
    """Returns what happened: "paid", "failed", "duplicate" or "ignored". Raises InvalidNotification."""
    return await settle(provider.verify(body, signature), body, settings=settings, now=now)


async def settle(notification: Notification, body: bytes, *, settings: Settings,
                 now: dt.datetime | None = None) -> str:
    """A notification the provider vouched for (signed, or the answer to our own question) moves the payment
    and its order once; the same as `handle_notification` after the signature check."""
    payment = await Payment.select().where(Payment.provider_reference == notification.payment_reference).first()
    if payment is None:
        raise InvalidNotification("unknown payment")
    if (notification.amount_cents, notification.currency) != (payment["amount_cents"], payment["currency"]):
        raise InvalidNotification("amount does not match the order")
    succeeded = notification.type == "payment.succeeded"
    # One transaction: the event's record, the payment and the order move together or not at all.
    try:
        return await _handle_once(notification, body, payment, succeeded, settings, now)
    except _AlreadyHandled:
        return "duplicate"


async def _handle_once(notification: Notification, body: bytes, payment: dict, succeeded: bool,
                       settings: Settings, now: dt.datetime | None = None) -> str:
    async with write_transaction(Payment._meta.db):
        if not await _first_time(notification, body):
            return "duplicate"
        now = now or dt.datetime.now(dt.UTC)
        if succeeded:
            moved = await Payment.update({Payment.status: PaymentStatus.succeeded, Payment.updated_at: now}).where(
                (Payment.id == payment["id"]) & (Payment.status == PaymentStatus.created)).returning(Payment.id)
            if not moved:
                return "ignored"
            await transitions.payment_succeeded(payment["order"], settings, now=now)
            return "paid"
        # A declined attempt leaves the payment open, as a provider's does: the buyer may try another card on it
        # until the order is paid, cancelled or expired. A payment closed meanwhile ignores it.
        still_open = await Payment.update({Payment.updated_at: now}).where(
            (Payment.id == payment["id"]) & (Payment.status == PaymentStatus.created)).returning(Payment.id)
        if not still_open:
            return "ignored"
        await transitions.payment_failed(payment["order"], settings)
    return "failed"
