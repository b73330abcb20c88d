"""The webhook signature: a Stripe-style `t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` header."""
from __future__ import annotations

from storefront.webhooks.signing import new_secret, signature_header, verify

SECRET = "whsec_test_0123456789"
BODY = b'{"id":"evt_1","type":"ping"}'
AT = 1_796_000_000  # 2026-11-30 00:53:20 UTC


def test_the_header_carries_the_time_and_the_hmac_of_time_dot_body() -> None:
    assert signature_header(SECRET, AT, BODY) == (
        "t=1796000000,v1=b75ab22e5b29b91188a0f3328187cbc93d8d1dc0a34f44f43c272ccb6b15502f")


def test_the_receiver_accepts_its_own_event_within_five_minutes() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert verify(SECRET, header, BODY, now=AT + 300)


def test_a_changed_body_does_not_verify() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert not verify(SECRET, header, BODY.replace(b"ping", b"pong"), now=AT)


def test_another_secret_does_not_verify() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert not verify("whsec_someone_else", header, BODY, now=AT)


def test_an_old_event_does_not_verify_however_well_signed() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert not verify(SECRET, header, BODY, now=AT + 301)


def test_a_header_without_a_time_does_not_verify() -> None:
    header = signature_header(SECRET, AT, BODY).split(",", 1)[1]
    assert not verify(SECRET, header, BODY, now=AT)


def test_each_secret_is_new_and_long() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith("whsec_") and len(first) == 6 + 43
