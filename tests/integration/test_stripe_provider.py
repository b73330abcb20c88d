"""The Stripe adapter against localstripe (a stateful fake Stripe server from PyPI, started here on a free loopback
port) for the calls it implements: a PaymentIntent's state, refunds of all or part (and more than is left refused),
and the reconciling job on a PaymentIntent. The webhook's signature check at the HTTP level, with Stripe-style
signatures computed here. Checkout Sessions, which localstripe does not implement, are tested against a stand-in
in test_stripe_checkout.py; what neither can show is said in README.md, "Payments"."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.cart import service as carts
from storefront.jobs.registry import JobContext, job_named
from storefront.orders.placement import DeliveryAddress, PlacedOrder, place_order
from storefront.orders.tables import Order
from storefront.payments.provider import RefundRefused, SandboxProvider
from storefront.payments.service import handle_notification
from storefront.payments.stripe_provider import StripeProvider
from storefront.payments.tables import Payment, ProviderPayment
from storefront.settings import Settings
from tests.integration.commerce import make_account, offer_in_stock
from tests.integration.smtp_standin import free_port

WEBHOOK_SECRET = "whsec_encore_tests"


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "localstripe", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/v1/payment_intents", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # it answers (401 without a key)
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def stripe_settings(settings: Settings, localstripe: str) -> Settings:
    return dataclasses.replace(settings, payment_provider="stripe", stripe_secret_key="sk_test_encore",
                               stripe_webhook_secret=WEBHOOK_SECRET, stripe_api_base=localstripe)


@pytest.fixture
def stripe(stripe_settings: Settings) -> StripeProvider:
    return StripeProvider("sk_test_encore", WEBHOOK_SECRET, stripe_settings.stripe_api_base)


@pytest.fixture
async def stripe_store(stripe_settings: Settings, backend) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(stripe_settings, backend)) as client:
        client.follow_redirects = False
        yield client


async def placed_order(settings: Settings) -> PlacedOrder:
    account = await make_account()
    offer = await offer_in_stock()
    cart = await carts.create_cart(account["id"])
    await carts.add(cart, offer["id"], 1)
    return await place_order(cart_id=cart, account_id=account["id"], payment_means="card",
                             address=DeliveryAddress("Ann Lee", "1 rue Neuve", "69003", "Lyon"),
                             idempotency_key=uuid.uuid4().hex, settings=settings)


async def paid_intent(stripe: StripeProvider, amount_cents: int, *, pay: bool = True) -> str:
    """What the buyer does on Stripe's side: a PaymentIntent with our reference, a test card attached to it,
    confirmed. localstripe has no Checkout, so the intent is made here rather than by a session."""
    client = stripe._client.v1
    intent = await client.payment_intents.create_async(params={
        "amount": amount_cents, "currency": "eur", "metadata": {"payment_reference": "pay_localstripe"}})
    if pay:
        await pay_at_stripe(stripe, intent.id)
    return intent.id


async def pay_at_stripe(stripe: StripeProvider, intent_id: str) -> None:
    client = stripe._client.v1
    method = await client.payment_methods.create_async(params={
        "type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}})
    await client.payment_intents.update_async(intent_id, params={"payment_method": method.id})
    await client.payment_intents.confirm_async(intent_id)


async def order_status(order_id: int) -> str:
    return (await Order.select(Order.status).where(Order.id == order_id).first())["status"]


# --- the adapter against localstripe -------------------------------------------------------------------------

async def test_the_payment_page_is_stripes_only(client: AsyncTestClient, settings: Settings) -> None:
    placed = await placed_order(settings)  # the demo store, on the sandbox
    assert (await client.get(f"/payments/stripe/pay/{placed.payment_reference}")).status_code == 404


async def test_a_paid_payment_intent_is_refunded_in_part_then_the_rest(stripe: StripeProvider) -> None:
    intent = await paid_intent(stripe, 12_345)
    state = await stripe.payment_state(intent)
    assert (state.status, state.amount_cents, state.currency) == ("succeeded", 12_345, "EUR")
    part = await stripe.refund(intent, 2_345, "refund-1")
    assert await stripe.refund(intent, 2_345, "refund-1") == part  # the same key: the same refund, not a second
    with pytest.raises(RefundRefused, match="10000 cents are left to refund"):
        await stripe.refund(intent, 10_001, "refund-too-much")
    rest = await stripe.refund(intent, 10_000, "refund-2")
    assert part.startswith("re_") and rest.startswith("re_") and part != rest
    with pytest.raises(RefundRefused, match="0 cents are left to refund"):
        await stripe.refund(intent, 1, "refund-3")
    refunds = await stripe._client.v1.refunds.list_async(params={"payment_intent": intent})
    assert sorted(refund.amount for refund in refunds.data) == [2_345, 10_000]


async def test_an_unpaid_payment_intent_is_not_refunded(stripe: StripeProvider) -> None:
    intent = await paid_intent(stripe, 5_000, pay=False)
    assert (await stripe.payment_state(intent)).status == "pending"
    with pytest.raises(RefundRefused, match="not paid"):
        await stripe.refund(intent, 5_000, "refund-unpaid")


# --- the webhook: Stripe's signature ----------------------------------------------------------------------------

def stripe_event(placed: PlacedOrder, *, event_id: str = "evt_1", kind: str = "payment_intent.succeeded",
                 amount: int | None = None) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": {
        "id": "pi_test", "object": "payment_intent", "amount": placed.total_cents if amount is None else amount,
        "currency": "eur", "metadata": {"payment_reference": placed.payment_reference}}}}).encode()


def signed(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> dict[str, str]:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={at},v1={digest}"}


async def test_a_signed_succeeded_event_pays_the_order_once(stripe_store: AsyncTestClient,
                                                            stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = stripe_event(placed)
    answer = await stripe_store.post("/payments/stripe/webhook", content=body, headers=signed(body))
    assert (answer.status_code, answer.json()) == (200, {"outcome": "paid"})
    assert await order_status(placed.order_id) == "paid"
    again = await stripe_store.post("/payments/stripe/webhook", content=body, headers=signed(body))
    assert again.json() == {"outcome": "duplicate"}


async def test_a_tampered_event_pays_nothing(stripe_store: AsyncTestClient, stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    headers = signed(stripe_event(placed, amount=1))
    answer = await stripe_store.post("/payments/stripe/webhook", content=stripe_event(placed), headers=headers)
    assert (answer.status_code, answer.json()) == (400, {"error": "bad signature"})
    assert await order_status(placed.order_id) == "pending_payment"


async def test_an_event_signed_too_long_ago_pays_nothing(stripe_store: AsyncTestClient,
                                                         stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = stripe_event(placed)
    answer = await stripe_store.post("/payments/stripe/webhook", content=body,
                                     headers=signed(body, at=int(time.time()) - 301))
    assert (answer.status_code, answer.json()) == (400, {"error": "bad signature"})
    assert await order_status(placed.order_id) == "pending_payment"


async def test_an_event_signed_with_another_secret_pays_nothing(stripe_store: AsyncTestClient,
                                                                stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = stripe_event(placed)
    answer = await stripe_store.post("/payments/stripe/webhook", content=body,
                                     headers=signed(body, secret="whsec_someone_else"))
    assert answer.status_code == 400
    assert await order_status(placed.order_id) == "pending_payment"


async def test_an_event_the_store_does_not_follow_is_acknowledged(stripe_store: AsyncTestClient,
                                                                  stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = stripe_event(placed, kind="charge.refunded")
    answer = await stripe_store.post("/payments/stripe/webhook", content=body, headers=signed(body))
    assert (answer.status_code, answer.json()) == (200, {"outcome": "ignored"})
    assert await order_status(placed.order_id) == "pending_payment"


async def test_the_stripe_webhook_is_not_there_without_stripe(client: AsyncTestClient, settings: Settings) -> None:
    placed = await placed_order(settings)
    body = stripe_event(placed)
    assert (await client.post("/payments/stripe/webhook", content=body, headers=signed(body))).status_code == 404


# --- the reconciling job -----------------------------------------------------------------------------------------

async def no_search() -> int:
    return 0


async def test_reconciling_asks_about_a_payment_intent_recorded_before_checkout(
        stripe: StripeProvider, stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    intent = await paid_intent(stripe, placed.total_cents)
    # What the adapter recorded before it used Checkout Sessions: the PaymentIntent itself.
    await ProviderPayment.insert(ProviderPayment(payment_reference=placed.payment_reference,
                                                 provider_payment_id=intent, created_at=dt.datetime.now(dt.UTC)))
    await Payment.update({Payment.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)}).where(
        Payment.provider_reference == placed.payment_reference)
    reconcile = job_named("reconcile-payments")
    assert await reconcile.perform(JobContext(stripe_settings, no_search)) == 1
    assert await order_status(placed.order_id) == "paid"
    assert await reconcile.perform(JobContext(stripe_settings, no_search)) == 0  # settled once


# --- the sandbox behind the same interface ------------------------------------------------------------------------

async def test_the_sandbox_refunds_what_is_left_once_per_key(settings: Settings) -> None:
    placed = await placed_order(settings)
    sandbox = SandboxProvider(settings.payment_webhook_secret)
    with pytest.raises(RefundRefused, match="not paid"):
        await sandbox.refund(placed.payment_reference, 100, "unpaid")
    body, signature = sandbox.notification(event_id=f"evt_{uuid.uuid4().hex}", succeeded=True,
                                           payment_reference=placed.payment_reference,
                                           amount_cents=placed.total_cents, currency="EUR")
    await handle_notification(body, signature, provider=sandbox, settings=settings)
    state = await sandbox.payment_state(placed.payment_reference)
    assert (state.status, state.amount_cents) == ("succeeded", placed.total_cents)
    first = await sandbox.refund(placed.payment_reference, 100, "refund-a")
    assert await sandbox.refund(placed.payment_reference, 100, "refund-a") == first  # the same refund
    with pytest.raises(RefundRefused, match=f"{placed.total_cents - 100} cents are left to refund"):
        await sandbox.refund(placed.payment_reference, placed.total_cents, "refund-b")
    assert (await sandbox.refund(placed.payment_reference, placed.total_cents - 100, "refund-c")).startswith("sre_")


async def test_the_sandbox_starts_a_payment_on_its_own_page(settings: Settings) -> None:
    started = await SandboxProvider(settings.payment_webhook_secret).start_payment(
        "pay_x", 100, "EUR", "key", "http://x/ok", "http://x/no")
    assert (started.provider_payment_id, started.redirect_url) == ("pay_x", "/sandbox/pay/pay_x")
