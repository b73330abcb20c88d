"""The payment provider interface, and the embedded sandbox that stands in for a hosted payment page.

A provider sends the shopper to its own page and tells the store the result in a signed
notification. The store never sees or keeps a card number.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from storefront.inputs import MAX_TIMESTAMP, parse_whole, same_signature

SIGNATURE_HEADER = "Encore-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300


class InvalidNotification(ValueError):
    """Not signed by the provider, too old, or not readable: it changes nothing."""


class IgnoredNotification(InvalidNotification):
    """Signed by the provider but about something the store does not follow (a Stripe event of another type):
    answered 200 so the provider stops sending it, and it changes nothing."""


class RefundRefused(ValueError):
    """The provider would not refund: the payment is not paid, or the amount is more than what is left."""


class ProviderUnavailable(RuntimeError):
    """The provider did not answer, or not as it should: nothing was decided, asking again later may work."""


@dataclass(frozen=True)
class StartedPayment:
    provider_payment_id: str
    redirect_url: str


@dataclass(frozen=True)
class PaymentState:
    status: Literal["succeeded", "failed", "pending"]
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class Notification:
    event_id: str
    type: str  # payment.succeeded | payment.failed
    payment_reference: str
    amount_cents: int
    currency: str


@runtime_checkable
class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, payment_reference: str) -> str:
        """Where to send the shopper to pay."""

    def verify(self, body: bytes, signature: str) -> Notification:
        """The notification, if and only if the provider signed it; raises InvalidNotification."""

    async def start_payment(self, payment_reference: str, amount_cents: int, currency: str, idempotency_key: str,
                            success_url: str, cancel_url: str, *, order_reference: str = "",
                            pay_by: dt.datetime | None = None) -> StartedPayment:
        """Opens the provider's payment for ours (the same one again for the same key) and where to send the
        buyer to pay it; `pay_by` is the order's deadline, after which the provider should take nothing.
        Raises ProviderUnavailable."""

    async def resume_payment(self, provider_payment_id: str) -> str | None:
        """Where to send the buyer to pay the payment opened before, or None when it can no longer be paid
        there (paid, or closed). Raises ProviderUnavailable."""

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        """What the provider says of the payment now: for a notification that is late or lost."""

    async def close_payment(self, provider_payment_id: str) -> PaymentState:
        """Its order ended unpaid: the provider must take no money for it any more. What the provider says of
        it then: succeeded when the buyer paid before it closed. Raises ProviderUnavailable."""

    async def refund(self, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> str:
        """Refunds all or part of a paid payment (once per key); the provider's refund id. Raises RefundRefused."""


class SandboxProvider:
    """Behaves like a hosted payment page: test cards succeed, fail or ask for a confirmation step."""

    name = "sandbox"

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def checkout_url(self, payment_reference: str) -> str:
        return f"/sandbox/pay/{payment_reference}"

    async def start_payment(self, payment_reference: str, amount_cents: int, currency: str, idempotency_key: str,
                            success_url: str, cancel_url: str, *, order_reference: str = "",
                            pay_by: dt.datetime | None = None) -> StartedPayment:
        """The sandbox's payment is the store's own row: its id is our reference, its page is the sandbox's
        (which checks the order's deadline itself)."""
        return StartedPayment(payment_reference, self.checkout_url(payment_reference))

    async def resume_payment(self, provider_payment_id: str) -> str | None:
        """The sandbox's page for our reference, which is its payment id; the page says when it is closed."""
        return self.checkout_url(provider_payment_id)

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        from storefront.payments.tables import Payment

        row = await Payment.select(Payment.status, Payment.amount_cents, Payment.currency).where(
            Payment.provider_reference == provider_payment_id).first()
        if row is None:
            raise LookupError(f"no sandbox payment {provider_payment_id}")
        status: Literal["succeeded", "failed", "pending"] = {"succeeded": "succeeded", "created": "pending"}.get(
            row["status"], "failed")  # type: ignore[assignment]
        return PaymentState(status, row["amount_cents"], row["currency"])

    async def close_payment(self, provider_payment_id: str) -> PaymentState:
        """Nothing to close: the sandbox's page refuses a payment whose order ended."""
        return await self.payment_state(provider_payment_id)

    async def refund(self, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> str:
        """Recorded in `ProviderRefund`, so what is left to refund survives a restart; refused beyond it."""
        from storefront.db import write_transaction
        from storefront.payments.tables import ProviderRefund

        async with write_transaction(ProviderRefund._meta.db):
            done = await ProviderRefund.select(ProviderRefund.refund_id).where(
                ProviderRefund.idempotency_key == idempotency_key).first()
            if done is not None:
                return str(done["refund_id"])
            state = await self.payment_state(provider_payment_id)
            refunded = sum(row["amount_cents"] for row in await ProviderRefund.select(
                ProviderRefund.amount_cents).where(ProviderRefund.provider_payment_id == provider_payment_id))
            if state.status != "succeeded":
                raise RefundRefused("the payment is not paid")
            if not 0 < amount_cents <= state.amount_cents - refunded:
                raise RefundRefused(f"{state.amount_cents - refunded} cents are left to refund")
            refund_id = "sre_" + secrets.token_hex(12)
            await ProviderRefund.insert(ProviderRefund(
                refund_id=refund_id, provider_payment_id=provider_payment_id, amount_cents=amount_cents,
                idempotency_key=idempotency_key, created_at=dt.datetime.now(dt.UTC)))
        return refund_id

    def sign(self, body: bytes, timestamp: int | None = None) -> str:
        timestamp = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(self._secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    def verify(self, body: bytes, signature: str, now: float | None = None) -> Notification:
        parts = dict(item.split("=", 1) for item in signature.split(",") if "=" in item)
        timestamp, digest = parts.get("t", ""), parts.get("v1", "")
        signed_at = parse_whole(timestamp, MAX_TIMESTAMP)
        if signed_at is None or not digest:
            raise InvalidNotification("missing signature")
        now = time.time() if now is None else now
        if abs(now - signed_at) > SIGNATURE_TOLERANCE_SECONDS:
            raise InvalidNotification("signature too old")
        expected = hmac.new(self._secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not same_signature(expected, digest):
            raise InvalidNotification("bad signature")
        try:
            data: dict[str, Any] = json.loads(body)
            return Notification(event_id=str(data["event_id"]), type=str(data["type"]),
                                payment_reference=str(data["payment_reference"]),
                                amount_cents=int(data["amount_cents"]), currency=str(data["currency"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNotification("unreadable notification") from exc

    def notification(self, *, event_id: str, succeeded: bool, payment_reference: str, amount_cents: int,
                     currency: str) -> tuple[bytes, str]:
        """The body and signature header the sandbox sends to the store."""
        body = json.dumps({"event_id": event_id, "type": "payment.succeeded" if succeeded else "payment.failed",
                           "payment_reference": payment_reference, "amount_cents": amount_cents,
                           "currency": currency}, separators=(",", ":")).encode()
        return body, self.sign(body)


# Test cards of the sandbox, as a payment provider documents them.
TEST_CARDS = {
    "4242424242424242": ("succeeds", "The payment succeeds."),
    "4000000000000002": ("declined", "The bank declines the payment."),
    "4000002760003184": ("confirm", "The bank asks you to confirm the payment in an extra step."),
}


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(digits[0::2]) + sum(sum(divmod(d * 2, 10)) for d in digits[1::2])
    return total % 10 == 0
