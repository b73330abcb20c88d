"""Closing at the provider a payment whose order ended unpaid (cancelled by the buyer, replaced, or expired), and
giving back money that came in for it all the same.

The store closes such a payment on its side in the transaction that ends the order
(storefront.payments.attempts.close_open_payments); a provider's hosted page may still be open in the buyer's
browser (a Stripe Checkout Session lives at least 30 minutes). The `close-provider-payments` job asks the
provider to close it. If the buyer paid before it closed, the store has money for an order that no longer
exists: it is refunded in full at once (idempotency key `encore-late-<our reference>`), booked in the ledger as
came in and went back, and the buyer is told by e-mail.

Plain domain code: the job calls it, with the provider the settings name.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from storefront.accounts.tables import Account
from storefront.db import write_transaction
from storefront.mail.outbox import queue
from storefront.orders.tables import Order
from storefront.payments import ledger
from storefront.payments.provider import PaymentProvider, PaymentState
from storefront.payments.states import PaymentStatus
from storefront.payments.tables import Payment, ProviderPayment
from storefront.settings import Settings
from storefront.units import money

log = logging.getLogger(__name__)

# Money paid for an order that had ended: owed back to the buyer until the refund books it out.
LATE_PAYMENTS = "late_payment_refund_due"
# How far back ended payments are looked at until the provider says they are closed: a page stays open a day at
# most (Stripe's longest Checkout Session), but a bank debit started on it may settle up to two weeks later and
# must still be given back.
LOOK_BACK = dt.timedelta(days=35)


def late_refund_key(payment_reference: str) -> str:
    return f"encore-late-{payment_reference}"


async def close_ended_payments(provider: PaymentProvider, settings: Settings, now: dt.datetime | None = None) -> int:
    """Closes at the provider each payment of ours that ended unpaid and is not closed there yet; refunds the
    ones paid before they closed. Safe to run from several workers at once: the refund's idempotency key makes
    one refund, and `closed_at`, set on a conditional UPDATE, books it once. Returns how many it closed."""
    now = now or dt.datetime.now(dt.UTC)
    ended = await Payment.select(Payment.provider_reference, Payment.order, Payment.amount_cents,
                                 Payment.currency).where(
        (Payment.status == PaymentStatus.cancelled) & (Payment.updated_at >= now - LOOK_BACK))
    by_reference = {row["provider_reference"]: row for row in ended}
    if not by_reference:
        return 0
    at_provider = await ProviderPayment.select(ProviderPayment.payment_reference,
                                               ProviderPayment.provider_payment_id).where(
        ProviderPayment.closed_at.is_null() & ProviderPayment.payment_reference.is_in(list(by_reference)))
    closed = 0
    for row in at_provider:
        payment = by_reference[row["payment_reference"]]
        try:
            state = await provider.close_payment(row["provider_payment_id"])
            if state.status == "pending":
                continue  # paid by a means that takes time (a bank debit): asked again next run
            if state.status == "succeeded":
                await provider.refund(row["provider_payment_id"], state.amount_cents,
                                      late_refund_key(row["payment_reference"]))
        except Exception:
            # Unreachable, or a refund refused: asked again next run; the log says which payment.
            log.exception("payment %s, whose order ended unpaid, could not be closed at the provider",
                          row["payment_reference"])
            continue
        closed += await _record_closed(row["payment_reference"], payment, state, settings, now)
    return closed


async def _record_closed(reference: str, payment: dict[str, Any], state: PaymentState, settings: Settings,
                         now: dt.datetime) -> int:
    async with write_transaction(ProviderPayment._meta.db):
        moved = await ProviderPayment.update({ProviderPayment.closed_at: now}).where(
            (ProviderPayment.payment_reference == reference) & ProviderPayment.closed_at.is_null()
        ).returning(ProviderPayment.id)
        if not moved:
            return 0  # another worker closed it first, and booked what there was to book
        if state.status == "succeeded":
            await _book_late_payment(reference, payment["order"], state.amount_cents, now)
            await _tell_the_buyer(payment["order"], state, settings)
    return 1


async def _book_late_payment(reference: str, order_id: int, amount_cents: int, now: dt.datetime) -> None:
    """Two balanced transactions: the money came in, owed back to the buyer; then it went back."""
    await ledger.post(f"late:{reference}", order_id, "late_payment",
                      [ledger.Posting(ledger.PSP, amount_cents), ledger.Posting(LATE_PAYMENTS, -amount_cents)],
                      "paid after its order had ended unpaid: owed back to the buyer", now)
    await ledger.post(f"late-rfd:{reference}", order_id, "late_refund",
                      [ledger.Posting(LATE_PAYMENTS, amount_cents), ledger.Posting(ledger.PSP, -amount_cents)],
                      "refunded in full to the buyer", now)


async def _tell_the_buyer(order_id: int, state: PaymentState, settings: Settings) -> None:
    order = await Order.select(Order.reference, Order.account).where(Order.id == order_id).first()
    if order is None:
        return
    buyer = await Account.select(Account.email).where(Account.id == order["account"]).first()
    if buyer is None:
        return
    await queue(to=buyer["email"], kind="late_payment_refunded",
                subject=f"Your payment for order {order['reference']} is being refunded",
                body=(f"Your payment of {money(state.amount_cents)} for order {order['reference']} reached us after "
                      f"the order had ended unpaid, so nothing was sold with it. We have refunded it in full to "
                      f"your means of payment; your bank may take a few days to show it.\n"
                      f"Your orders: {settings.public_base_url}/account/orders\n"))
