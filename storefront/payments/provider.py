"""The payment provider interface, and the embedded sandbox that stands in for a hosted payment page.

A provider sends the shopper to its own page and tells the store the result in a signed
notification. The store never sees or keeps a card number.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from storefront.inputs import MAX_TIMESTAMP, parse_whole, same_signature

SIGNATURE_HEADER = "Encore-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300


class InvalidNotification(ValueError):
    """Not signed by the provider, too old, or not readable: it changes nothing."""


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


class SandboxProvider:
    """Behaves like a hosted payment page: test cards succeed, fail or ask for a confirmation step."""

    name = "sandbox"

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def checkout_url(self, payment_reference: str) -> str:
        return f"/sandbox/pay/{payment_reference}"

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
