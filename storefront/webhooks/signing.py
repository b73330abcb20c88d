"""The signature on every webhook: `Encore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The HMAC is keyed with the endpoint's secret (its UTF-8 bytes, `whsec_` prefix included) over
`<t>.<raw body>`, as Stripe does: the receiver recomputes it from the body it read, compares in constant time,
and refuses a `t` too far from its own clock, so a captured request cannot be replayed later. README.md
("Webhooks") has the receiver's side; `verify` is that recipe, used by the tests.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Encore-Signature"
SECRET_PREFIX = "whsec_"
# What a receiver should accept between our clock and its own.
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """The receiver's check: a v1 signature of this body at time t, and t within `tolerance` of `now`."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    if len(timestamps) != 1 or not timestamps[0].isascii() or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value.strip()) for key, value in parts if key.strip() == "v1")
