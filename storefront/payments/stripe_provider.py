"""Stripe behind the provider interface, on the official `stripe` SDK (its StripeClient, asynchronous calls).

**The buyer pays on Stripe's hosted page, a Checkout Session.** `start_payment` creates one (mode `payment`, one
line "Order <reference>" for the whole amount, our payment reference as `client_reference_id` and in the metadata
of the session and of the PaymentIntent it will make) with our idempotency key, and sends the buyer to its `url`.

**What the store records is the session id (`cs_…`)**, in `ProviderPayment.provider_payment_id`. A session only
gets its PaymentIntent when the buyer confirms a payment on the page, so the session id is the one id known from
the start; every later call works from it: `payment_state` reads the session (`payment_status` "paid" is paid, an
expired session is failed), `refund` retrieves the session first and refunds its PaymentIntent, and
`resume_payment` sends a buyer who comes back to the same open session. A PaymentIntent id (`pi_…`, what this
adapter recorded before it used Checkout) is still understood by `payment_state` and `refund`.

**When the session ends.** Never before the order's payment deadline (the store's own expiry cancels the order and
gives its stock back then), and as soon after it as Stripe allows: `expires_at` is the deadline when that is at
least 30 minutes ahead (Stripe's shortest), else 31 minutes from now (a minute for the clocks' drift), and at most
24 hours ahead (Stripe's longest). So `checkout.session.expired` tells the store nothing it does not do itself:
it is acknowledged and ignored. An order that ends sooner (the buyer cancels it) has its session expired by
`close_payment` (the `close-provider-payments` job, storefront.payments.closing).

**Notifications** are Stripe events checked with Stripe's own signature check (`stripe.Webhook.construct_event`):
`checkout.session.completed` when the session is paid, `checkout.session.async_payment_succeeded` and
`payment_intent.succeeded` are a success; `checkout.session.async_payment_failed` and
`payment_intent.payment_failed` a declined attempt. A success told twice (the session's and its PaymentIntent's
event) settles once: the payment moves on a conditional UPDATE (storefront.payments.service).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any, Literal

import stripe

from storefront.payments.provider import (
    IgnoredNotification,
    InvalidNotification,
    Notification,
    PaymentState,
    ProviderUnavailable,
    RefundRefused,
    StartedPayment,
)

SIGNATURE_HEADER = "Stripe-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
SESSION_PREFIX = "cs_"
# Stripe takes an `expires_at` from 30 minutes to 24 hours after the session's creation, by its own clock.
SHORTEST_SESSION = dt.timedelta(minutes=31)
LONGEST_SESSION = dt.timedelta(hours=23, minutes=59)

_SUCCEEDED = "payment.succeeded"
_FAILED = "payment.failed"
_SESSION_EVENTS = {"checkout.session.completed": _SUCCEEDED, "checkout.session.async_payment_succeeded": _SUCCEEDED,
                   "checkout.session.async_payment_failed": _FAILED}
_INTENT_EVENTS = {"payment_intent.succeeded": _SUCCEEDED, "payment_intent.payment_failed": _FAILED}


def session_expiry(pay_by: dt.datetime, now: dt.datetime) -> int:
    """When the Checkout Session closes (Unix time): the order's deadline, within the bounds Stripe accepts.
    Below the shortest life, rounded up to a whole minute, so two clicks in the same minute ask for the same
    session (Stripe refuses an idempotency key sent again with other parameters)."""
    earliest = now + SHORTEST_SESSION
    if pay_by >= earliest:
        return int(min(pay_by, now + LONGEST_SESSION).timestamp())
    return (int(earliest.timestamp()) // 60 + 1) * 60


class StripeProvider:
    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key, base_addresses={"api": api_base} if api_base else {},
            http_client=stripe.HTTPXClient(allow_sync_methods=True), max_network_retries=2)

    def checkout_url(self, payment_reference: str) -> str:
        """The store's own address that opens the Stripe payment (storefront.web.stripe_payments)."""
        return f"/payments/stripe/pay/{payment_reference}"

    async def start_payment(self, payment_reference: str, amount_cents: int, currency: str, idempotency_key: str,
                            success_url: str, cancel_url: str, *, order_reference: str = "",
                            pay_by: dt.datetime | None = None) -> StartedPayment:
        """A Checkout Session for the whole amount; its id is what the store records, its url where the buyer
        goes. The same key with the same parameters gives the same session back (Stripe keeps keys 24 hours)."""
        metadata = {"payment_reference": payment_reference}
        if order_reference:
            metadata["order_reference"] = order_reference
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": currency.lower(), "unit_amount": amount_cents,
                "product_data": {"name": f"Order {order_reference or payment_reference}"}}}],
            "success_url": success_url, "cancel_url": cancel_url,
            "client_reference_id": payment_reference, "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        if pay_by is not None:
            params["expires_at"] = session_expiry(pay_by, dt.datetime.now(dt.UTC))
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                params=params,  # type: ignore[arg-type]  # the SDK's TypedDict, built as a plain dict
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise ProviderUnavailable(f"Stripe did not open the payment: {error.user_message or error}") from error
        if not session.url:
            raise ProviderUnavailable("Stripe opened a session without a page to pay on")
        return StartedPayment(session.id, session.url)

    async def resume_payment(self, provider_payment_id: str) -> str | None:
        """The page of the session still open; None once it is paid or expired (or for a PaymentIntent, which
        has no page of Stripe's)."""
        if not provider_payment_id.startswith(SESSION_PREFIX):
            return None
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(provider_payment_id)
        except stripe.StripeError as error:
            raise ProviderUnavailable(f"Stripe did not find the payment: {error.user_message or error}") from error
        return session.url if session.status == "open" and session.url else None

    async def close_payment(self, provider_payment_id: str) -> PaymentState:
        """Expires the session while it is open; one paid meanwhile cannot be expired and says it was paid."""
        try:
            if provider_payment_id.startswith(SESSION_PREFIX):
                # Refused when no longer open (paid, or expired already): what it is now is read below.
                with contextlib.suppress(stripe.InvalidRequestError):
                    await self._client.v1.checkout.sessions.expire_async(provider_payment_id)
            return await self.payment_state(provider_payment_id)
        except stripe.StripeError as error:
            raise ProviderUnavailable(f"Stripe did not close the payment: {error.user_message or error}") from error

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        status: Literal["succeeded", "failed", "pending"]
        if provider_payment_id.startswith(SESSION_PREFIX):
            session = await self._client.v1.checkout.sessions.retrieve_async(provider_payment_id)
            status = ("succeeded" if session.payment_status == "paid"
                      else "failed" if session.status == "expired" else "pending")
            return PaymentState(status, int(session.amount_total or 0), str(session.currency).upper())
        intent = await self._client.v1.payment_intents.retrieve_async(provider_payment_id)
        status = "succeeded" if intent.status == "succeeded" else "failed" if intent.status == "canceled" else "pending"
        return PaymentState(status, int(intent.amount), str(intent.currency).upper())

    async def _payment_intent_of(self, provider_payment_id: str) -> str | None:
        """The PaymentIntent that holds the money: the session's, once the buyer paid on it."""
        if not provider_payment_id.startswith(SESSION_PREFIX):
            return provider_payment_id
        session = await self._client.v1.checkout.sessions.retrieve_async(provider_payment_id)
        intent = session.payment_intent
        if intent is None or session.payment_status != "paid":
            return None
        return intent if isinstance(intent, str) else intent.id

    async def refund(self, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> str:
        """Refunds the PaymentIntent behind what was recorded. Checked here before Stripe is asked, so the
        answer is the same whatever the server: a refund already made with this key is returned as it is (our
        key rides in the refund's metadata, so this holds after Stripe forgets the key), the payment must be
        paid and the amount at most what is left. Stripe's own refusal stays the last word."""
        try:
            intent_id = await self._payment_intent_of(provider_payment_id)
            if intent_id is None:
                raise RefundRefused("the payment is not paid")
            intent = await self._client.v1.payment_intents.retrieve_async(intent_id)
            if intent.status != "succeeded":
                raise RefundRefused("the payment is not paid")
            made = await self._client.v1.refunds.list_async(params={"payment_intent": intent_id, "limit": 100})
            refunded = 0
            for earlier in made.data:
                metadata = earlier.metadata.to_dict() if earlier.metadata else {}
                if metadata.get("idempotency_key") == idempotency_key:
                    return str(earlier.id)
                if earlier.status in ("succeeded", "pending", "requires_action"):
                    refunded += int(earlier.amount)
            left = int(intent.amount) - refunded
            if not 0 < amount_cents <= left:
                raise RefundRefused(f"{left} cents are left to refund")
            refund = await self._client.v1.refunds.create_async(
                params={"payment_intent": intent_id, "amount": amount_cents,
                        "metadata": {"idempotency_key": idempotency_key}},
                options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as refused:
            raise RefundRefused(refused.user_message or str(refused)) from refused
        except stripe.StripeError as error:
            raise ProviderUnavailable(f"Stripe did not answer the refund: {error.user_message or error}") from error
        return str(refund.id)

    def verify(self, body: bytes, signature: str) -> Notification:
        try:
            event = stripe.Webhook.construct_event(body, signature, self._webhook_secret,
                                                   tolerance=SIGNATURE_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as invalid:
            raise InvalidNotification("bad signature") from invalid
        except ValueError as unreadable:
            raise InvalidNotification("unreadable notification") from unreadable
        if event.type not in _SESSION_EVENTS and event.type not in _INTENT_EVENTS:
            raise IgnoredNotification(f"{event.type} is not followed")
        try:
            # The event's object as plain JSON (the SDK's objects are not dicts); the signature vouched for it.
            thing: dict[str, Any] = json.loads(body)["data"]["object"]
            amount = thing["amount_total"] if event.type in _SESSION_EVENTS else thing["amount"]
            notification = Notification(event_id=str(event.id), type={**_SESSION_EVENTS, **_INTENT_EVENTS}[event.type],
                                        payment_reference=str(thing["metadata"]["payment_reference"]),
                                        amount_cents=int(amount), currency=str(thing["currency"]).upper())
            not_paid_yet = event.type == "checkout.session.completed" and thing["payment_status"] != "paid"
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidNotification("unreadable notification") from exc
        if not_paid_yet:
            # Completed with the money still on its way (a bank debit): the async_payment event will tell.
            raise IgnoredNotification("the session is completed but not paid yet")
        return notification
