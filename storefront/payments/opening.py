"""Opening our payment at the provider, and asking the provider about payments whose notification is late.

Plain domain code: the web handler (storefront.web.stripe_payments) and the `reconcile-payments` job call it.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from storefront.db import is_unique_violation, write_transaction
from storefront.orders.transitions import payment_deadline
from storefront.payments.provider import Notification, PaymentProvider, ProviderUnavailable
from storefront.payments.service import settle
from storefront.payments.states import PaymentStatus
from storefront.payments.tables import Payment, ProviderPayment
from storefront.settings import Settings

log = logging.getLogger(__name__)

# A payment still open this long after it was created is asked about: its notification is late or lost.
RECONCILE_AFTER = dt.timedelta(minutes=5)


def idempotency_key(payment_reference: str) -> str:
    """One key per payment of ours: a retried or repeated start opens the same payment at the provider."""
    return f"encore-payment-{payment_reference}"


async def open_at_provider(payment: dict[str, Any], order: dict[str, Any], provider: PaymentProvider,
                           settings: Settings) -> str | None:
    """Where to send the buyer to pay: the provider's payment opened before when there is one (a buyer coming
    back, a second click), else a new one opened with our idempotency key and closing at the order's deadline.
    The provider's id is recorded the first time only (`ProviderPayment` is unique per payment of ours). None
    when the payment opened before can no longer be paid at the provider (paid, or closed): the order's page
    says how it stands. Raises ProviderUnavailable."""
    reference = payment["provider_reference"]
    if recorded := await _recorded_id(reference):
        return await provider.resume_payment(recorded)
    back = f"{settings.public_base_url}/checkout/return/{order['reference']}"
    try:
        started = await provider.start_payment(
            reference, payment["amount_cents"], payment["currency"], idempotency_key(reference),
            success_url=back, cancel_url=f"{settings.public_base_url}/account/orders/{order['reference']}",
            order_reference=order["reference"], pay_by=payment_deadline(order["created_at"], settings))
    except ProviderUnavailable:
        # A second click at the same moment opened it first (the provider refuses the key while that request
        # runs): the payment it recorded is the one.
        if recorded := await _recorded_id(reference):
            return await provider.resume_payment(recorded)
        raise
    try:
        async with write_transaction(ProviderPayment._meta.db):
            await ProviderPayment.insert(ProviderPayment(
                payment_reference=reference, provider_payment_id=started.provider_payment_id,
                created_at=dt.datetime.now(dt.UTC)))
    except Exception as error:
        if not is_unique_violation(error):  # a concurrent start recorded it first: the same payment
            raise
    return started.redirect_url


async def _recorded_id(payment_reference: str) -> str | None:
    row = await ProviderPayment.select(ProviderPayment.provider_payment_id).where(
        ProviderPayment.payment_reference == payment_reference).first()
    return str(row["provider_payment_id"]) if row else None


async def provider_payment_id_for_order(order_id: int) -> str | None:
    """The id to name in `provider.refund(...)` for what the order's buyer paid: the provider's id recorded for
    the order's succeeded payment (a Stripe Checkout Session), or, for the sandbox, whose payment id is our own
    reference, that reference. None when the order has no succeeded payment."""
    paid = await Payment.select(Payment.provider_reference, Payment.provider).where(
        (Payment.order == order_id) & (Payment.status == PaymentStatus.succeeded)).order_by(
        Payment.id, ascending=False).first()
    if paid is None:
        return None
    if recorded := await _recorded_id(paid["provider_reference"]):
        return recorded
    return str(paid["provider_reference"]) if paid["provider"] == "sandbox" else None


async def reconcile_pending(provider: PaymentProvider, settings: Settings, now: dt.datetime | None = None) -> int:
    """Asks the provider about each payment opened there and still open after RECONCILE_AFTER; a payment it
    says succeeded is settled through the same service its notification would have gone through (once: the
    payment moves on a conditional UPDATE, whichever of the two comes second is ignored). Returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    open_payments = await Payment.select(Payment.provider_reference).where(
        (Payment.status == PaymentStatus.created) & (Payment.created_at < now - RECONCILE_AFTER))
    references = [row["provider_reference"] for row in open_payments]
    if not references:
        return 0
    at_provider = await ProviderPayment.select(ProviderPayment.payment_reference,
                                               ProviderPayment.provider_payment_id).where(
        ProviderPayment.payment_reference.is_in(references))
    settled = 0
    for row in at_provider:
        try:
            state = await provider.payment_state(row["provider_payment_id"])
        except Exception:
            log.exception("the provider could not say how payment %s stands", row["payment_reference"])
            continue
        if state.status != "succeeded":
            continue  # pending: asked again next time; failed or never paid: the unpaid order expires
        notification = Notification(event_id=f"reconcile-{row['provider_payment_id']}"[:64],
                                    type="payment.succeeded", payment_reference=row["payment_reference"],
                                    amount_cents=state.amount_cents, currency=state.currency)
        outcome = await settle(notification, b'{"reconciled": true}', settings=settings, now=now)
        settled += outcome == "paid"
    return settled
