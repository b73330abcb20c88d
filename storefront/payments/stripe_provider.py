"""Stripe behind the provider interface, on the official `stripe` SDK (its StripeClient, asynchronous calls).

A payment is a PaymentIntent created with an idempotency key and our payment reference in its metadata; its
notifications are Stripe events (`payment_intent.succeeded`, `payment_intent.payment_failed`) checked with
Stripe's own signature check (`stripe.Webhook.construct_event`); a refund names the PaymentIntent.

The hosted page: Stripe's hosted page is a Checkout Session, which the stateful fake the tests run the adapter
against (localstripe) does not implement. This adapter creates the PaymentIntent only and sends the buyer to
the redirect Stripe asks for (`next_action.redirect_to_url`), or else to `success_url`, the order's return page.
The card entry (Stripe's Payment Element on a store page, or a Checkout Session) is not built yet: README.md,
"Payments".
"""
from __future__ import annotations

from typing import Any, Literal

import stripe

from storefront.payments.provider import (
    IgnoredNotification,
    InvalidNotification,
    Notification,
    PaymentState,
    RefundRefused,
    StartedPayment,
)

SIGNATURE_HEADER = "Stripe-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
_FOLLOWED = {"payment_intent.succeeded": "payment.succeeded", "payment_intent.payment_failed": "payment.failed"}


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
                            success_url: str, cancel_url: str) -> StartedPayment:
        intent = await self._client.v1.payment_intents.create_async(
            params={"amount": amount_cents, "currency": currency.lower(),
                    "metadata": {"payment_reference": payment_reference}},
            options={"idempotency_key": idempotency_key})
        action = intent.next_action
        redirect = (action.redirect_to_url.url if action and action.redirect_to_url else None) or success_url
        return StartedPayment(intent.id, redirect)

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        intent = await self._client.v1.payment_intents.retrieve_async(provider_payment_id)
        status: Literal["succeeded", "failed", "pending"] = (
            "succeeded" if intent.status == "succeeded" else "failed" if intent.status == "canceled" else "pending")
        return PaymentState(status, int(intent.amount), str(intent.currency).upper())

    async def refund(self, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> str:
        try:
            refund = await self._client.v1.refunds.create_async(
                params={"payment_intent": provider_payment_id, "amount": amount_cents},
                options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as refused:
            raise RefundRefused(refused.user_message or str(refused)) from refused
        return str(refund.id)

    def verify(self, body: bytes, signature: str) -> Notification:
        try:
            event = stripe.Webhook.construct_event(body, signature, self._webhook_secret,
                                                   tolerance=SIGNATURE_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as invalid:
            raise InvalidNotification("bad signature") from invalid
        except ValueError as unreadable:
            raise InvalidNotification("unreadable notification") from unreadable
        if event.type not in _FOLLOWED:
            raise IgnoredNotification(f"{event.type} is not followed")
        try:
            intent: dict[str, Any] = event.data.object
            return Notification(event_id=str(event.id), type=_FOLLOWED[event.type],
                                payment_reference=str(intent["metadata"]["payment_reference"]),
                                amount_cents=int(intent["amount"]), currency=str(intent["currency"]).upper())
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidNotification("unreadable notification") from exc
