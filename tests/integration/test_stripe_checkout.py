"""Stripe's hosted payment page (a Checkout Session) at the HTTP level, against a loopback stand-in for Stripe's
API (tests/integration/stripe_standin.py), since localstripe does not implement Checkout: what the adapter asks
Stripe for, the buyer's way there and back, the signed events of each kind, the reconciling job and the id a
refund names. No test talks to Stripe itself."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import pytest
from litestar.testing import AsyncTestClient

from storefront.accounts.tables import Account
from storefront.app import create_app
from storefront.cart import service as carts
from storefront.jobs.registry import JobContext, job_named
from storefront.mail.tables import OutboxEmail
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, PlacedOrder, place_order
from storefront.orders.tables import Order, OrderEvent, SellerOrder
from storefront.payments.opening import provider_payment_id_for_order
from storefront.payments.provider import RefundRefused, SandboxProvider
from storefront.payments.service import handle_notification
from storefront.payments.stripe_provider import StripeProvider, session_expiry
from storefront.payments.tables import LedgerEntry, Payment, ProviderPayment
from storefront.settings import Settings
from tests.integration.commerce import make_account, offer_in_stock, sign_in
from tests.integration.ledger_reading import order_money
from tests.integration.stripe_standin import StripeStandIn, stripe_standin
from tests.integration.test_checkout import add, place, to_review

WEBHOOK_SECRET = "whsec_encore_checkout_tests"


@pytest.fixture
def standin() -> Iterator[StripeStandIn]:
    with stripe_standin() as running:
        yield running


@pytest.fixture
def stripe_settings(settings: Settings, standin: StripeStandIn) -> Settings:
    # Two hours to pay: the session then closes at the order's deadline exactly (see test_session_expiry_…).
    return dataclasses.replace(settings, payment_provider="stripe", stripe_secret_key="sk_test_encore",
                               stripe_webhook_secret=WEBHOOK_SECRET, stripe_api_base=standin.base_url,
                               unpaid_order_minutes=120)


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
                             idempotency_key=uuid.uuid4().hex, settings=settings, provider="stripe")


async def order_of(placed: PlacedOrder) -> dict:
    return await Order.select().where(Order.id == placed.order_id).first()


async def session_of(placed: PlacedOrder) -> str:
    row = await ProviderPayment.select().where(ProviderPayment.payment_reference == placed.payment_reference).first()
    return row["provider_payment_id"]


def session_event(placed: PlacedOrder, kind: str, *, session_id: str = "cs_test_1", payment_status: str = "paid",
                  amount: int | None = None, event_id: str = "evt_session_1") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": {
        "id": session_id, "object": "checkout.session", "mode": "payment", "status": "complete",
        "payment_status": payment_status, "payment_intent": "pi_test_1", "currency": "eur",
        "amount_total": placed.total_cents if amount is None else amount,
        "client_reference_id": placed.payment_reference,
        "metadata": {"payment_reference": placed.payment_reference}}}}).encode()


def intent_event(placed: PlacedOrder, kind: str, *, event_id: str = "evt_intent_1") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": {
        "id": "pi_test_1", "object": "payment_intent", "amount": placed.total_cents, "currency": "eur",
        "metadata": {"payment_reference": placed.payment_reference}}}}).encode()


def signed(body: bytes, *, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    """Stripe's scheme: `t` the time, `v1` the hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint secret."""
    at = int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={at},v1={digest}"}


async def notify(store: AsyncTestClient, body: bytes) -> tuple[int, dict]:
    answer = await store.post("/payments/stripe/webhook", content=body, headers=signed(body))
    return answer.status_code, answer.json()


# --- what the adapter asks Stripe for ------------------------------------------------------------------------------

async def test_starting_a_payment_creates_a_checkout_session_with_our_key(stripe: StripeProvider,
                                                                          standin: StripeStandIn) -> None:
    pay_by = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=2)
    started = await stripe.start_payment("pay_checkout", 12_345, "EUR", "encore-payment-pay_checkout",
                                         "https://shop.test/checkout/return/ENC-TEST01",
                                         "https://shop.test/account/orders/ENC-TEST01",
                                         order_reference="ENC-TEST01", pay_by=pay_by)
    assert started.provider_payment_id == "cs_test_standin1"
    assert started.redirect_url == f"{standin.base_url}/c/pay/cs_test_standin1"
    [request] = standin.posted("/v1/checkout/sessions")
    assert request.idempotency_key == "encore-payment-pay_checkout"
    assert request.params == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "12345",
        "line_items[0][price_data][product_data][name]": "Order ENC-TEST01",
        "success_url": "https://shop.test/checkout/return/ENC-TEST01",
        "cancel_url": "https://shop.test/account/orders/ENC-TEST01",
        "client_reference_id": "pay_checkout",
        "metadata[payment_reference]": "pay_checkout",
        "metadata[order_reference]": "ENC-TEST01",
        "payment_intent_data[metadata][payment_reference]": "pay_checkout",
        "payment_intent_data[metadata][order_reference]": "ENC-TEST01",
        "expires_at": str(int(pay_by.timestamp())),
    }


def test_session_expiry_is_the_deadline_within_stripes_bounds() -> None:
    now = dt.datetime(2026, 11, 30, 18, 0, 10, tzinfo=dt.UTC)
    two_hours = dt.datetime(2026, 11, 30, 20, 0, 10, tzinfo=dt.UTC)
    assert session_expiry(two_hours, now) == 1796068810  # the deadline itself
    # Twenty minutes left: Stripe's shortest life is 30 minutes, so 31 from now, up to the next whole minute.
    twenty_minutes = dt.datetime(2026, 11, 30, 18, 20, 10, tzinfo=dt.UTC)
    assert session_expiry(twenty_minutes, now) == 1796063520  # 18:32:00
    three_days = dt.datetime(2026, 12, 3, 18, 0, 10, tzinfo=dt.UTC)
    assert session_expiry(three_days, now) == 1796147950  # 23 h 59 min from now, Stripe's longest less a minute


async def test_the_buyer_goes_to_the_session_and_back_to_the_same_one(stripe_store: AsyncTestClient,
                                                                      stripe_settings: Settings,
                                                                      standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    order = await order_of(placed)
    first = await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert (first.status_code, first.headers["location"]) == (303, f"{standin.base_url}/c/pay/cs_test_standin1")
    assert await session_of(placed) == "cs_test_standin1"
    [created] = standin.posted("/v1/checkout/sessions")
    deadline = order["created_at"] + dt.timedelta(minutes=120)
    assert created.params["expires_at"] == str(int(deadline.timestamp()))
    assert created.params["success_url"] == f"{stripe_settings.public_base_url}/checkout/return/{order['reference']}"
    again = await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert again.headers["location"] == first.headers["location"]
    assert len(standin.posted("/v1/checkout/sessions")) == 1  # the open session was retrieved, not made again


async def test_two_clicks_at_once_open_one_session(stripe_store: AsyncTestClient, stripe_settings: Settings,
                                                   standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    url = f"/payments/stripe/pay/{placed.payment_reference}"
    one, two = await asyncio.gather(stripe_store.get(url), stripe_store.get(url))
    assert one.headers["location"] == two.headers["location"] == f"{standin.base_url}/c/pay/cs_test_standin1"
    assert len(standin.sessions) == 1
    assert await ProviderPayment.count().where(ProviderPayment.payment_reference == placed.payment_reference) == 1


async def test_a_session_no_longer_open_sends_the_buyer_to_the_order(stripe_store: AsyncTestClient,
                                                                     stripe_settings: Settings,
                                                                     standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    standin.pay("cs_test_standin1", "pi_standin_1")  # paid at Stripe, its event not here yet
    answer = await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert answer.headers["location"] == f"/account/orders/{(await order_of(placed))['reference']}"


async def test_stripe_not_answering_is_a_page_that_says_so(stripe_settings: Settings, backend) -> None:
    placed = await placed_order(stripe_settings)
    nowhere = dataclasses.replace(stripe_settings, stripe_api_base="http://127.0.0.1:9")  # nothing listens there
    async with AsyncTestClient(app=create_app(nowhere, backend)) as store:
        store.follow_redirects = False
        answer = await store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert answer.status_code == 503
    assert "Stripe did not answer. Nothing was charged" in answer.text
    assert await order_status(placed) == "pending_payment"


async def test_payment_state_reads_the_session(stripe: StripeProvider, standin: StripeStandIn) -> None:
    opened = await stripe.start_payment("pay_state", 4_990, "EUR", "key-state", "https://shop.test/ok",
                                        "https://shop.test/no")
    state = await stripe.payment_state(opened.provider_payment_id)
    assert (state.status, state.amount_cents, state.currency) == ("pending", 4_990, "EUR")
    standin.pay(opened.provider_payment_id, "pi_state")
    assert (await stripe.payment_state(opened.provider_payment_id)).status == "succeeded"
    expired = await stripe.start_payment("pay_gone", 990, "EUR", "key-gone", "https://shop.test/ok",
                                         "https://shop.test/no")
    standin.expire(expired.provider_payment_id)
    assert (await stripe.payment_state(expired.provider_payment_id)).status == "failed"


async def test_a_refund_of_a_session_refunds_its_payment_intent(stripe: StripeProvider,
                                                                standin: StripeStandIn) -> None:
    opened = await stripe.start_payment("pay_refund", 10_000, "EUR", "key-refund", "https://shop.test/ok",
                                        "https://shop.test/no")
    standin.pay(opened.provider_payment_id, "pi_refund")
    assert await stripe.refund(opened.provider_payment_id, 2_500, "refund-part") == "re_standin_1"
    [request] = standin.posted("/v1/refunds")
    assert request.params == {"payment_intent": "pi_refund", "amount": "2500",
                              "metadata[idempotency_key]": "refund-part"}
    assert request.idempotency_key == "refund-part"
    with pytest.raises(RefundRefused, match="7500 cents are left to refund"):
        await stripe.refund(opened.provider_payment_id, 7_501, "refund-too-much")
    assert len(standin.posted("/v1/refunds")) == 1


async def test_an_unpaid_session_is_not_refunded(stripe: StripeProvider, standin: StripeStandIn) -> None:
    opened = await stripe.start_payment("pay_open", 10_000, "EUR", "key-open", "https://shop.test/ok",
                                        "https://shop.test/no")
    with pytest.raises(RefundRefused, match="not paid"):
        await stripe.refund(opened.provider_payment_id, 100, "refund-open")
    assert standin.posted("/v1/refunds") == []


# --- Stripe's events on the webhook --------------------------------------------------------------------------------

async def order_status(placed: PlacedOrder) -> str:
    return (await order_of(placed))["status"]


async def test_a_completed_paid_session_pays_the_order(stripe_store: AsyncTestClient,
                                                       stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = session_event(placed, "checkout.session.completed")
    assert await notify(stripe_store, body) == (200, {"outcome": "paid"})
    assert await order_status(placed) == "paid"
    assert await notify(stripe_store, body) == (200, {"outcome": "duplicate"})


async def test_a_completed_session_still_unpaid_waits_for_its_async_success(stripe_store: AsyncTestClient,
                                                                           stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    pending = session_event(placed, "checkout.session.completed", payment_status="unpaid")
    assert await notify(stripe_store, pending) == (200, {"outcome": "ignored"})
    assert await order_status(placed) == "pending_payment"
    succeeded = session_event(placed, "checkout.session.async_payment_succeeded", event_id="evt_async_ok")
    assert await notify(stripe_store, succeeded) == (200, {"outcome": "paid"})
    assert await order_status(placed) == "paid"


@pytest.mark.parametrize("failure", ["checkout.session.async_payment_failed", "payment_intent.payment_failed"])
async def test_a_failed_payment_keeps_the_order_waiting_with_a_note(stripe_store: AsyncTestClient,
                                                                    stripe_settings: Settings, failure: str) -> None:
    placed = await placed_order(stripe_settings)
    body = (session_event(placed, failure, payment_status="unpaid") if failure.startswith("checkout")
            else intent_event(placed, failure))
    assert await notify(stripe_store, body) == (200, {"outcome": "failed"})
    assert await order_status(placed) == "pending_payment"
    seller_orders = [row["id"] for row in await SellerOrder.select(SellerOrder.id).where(
        SellerOrder.order == placed.order_id)]
    notes = [row["note"] for row in await OrderEvent.select(OrderEvent.note).where(
        OrderEvent.seller_order.is_in(seller_orders))]
    assert any(note.startswith("A payment attempt was declined; nothing was charged.") for note in notes)


async def test_an_expired_session_is_left_to_the_stores_own_expiry(stripe_store: AsyncTestClient,
                                                                   stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = session_event(placed, "checkout.session.expired", payment_status="unpaid")
    assert await notify(stripe_store, body) == (200, {"outcome": "ignored"})
    assert await order_status(placed) == "pending_payment"


async def test_the_session_and_its_payment_intent_both_told_settle_once(stripe_store: AsyncTestClient,
                                                                       stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    assert await notify(stripe_store, session_event(placed, "checkout.session.completed")) == (
        200, {"outcome": "paid"})
    assert await notify(stripe_store, intent_event(placed, "payment_intent.succeeded")) == (
        200, {"outcome": "ignored"})
    money = await order_money(placed.order_id)
    assert money.accounted_for and money.paid_cents == placed.total_cents  # booked once
    assert await order_status(placed) == "paid"


async def test_a_session_event_with_another_amount_pays_nothing(stripe_store: AsyncTestClient,
                                                                stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = session_event(placed, "checkout.session.completed", amount=1)
    assert await notify(stripe_store, body) == (400, {"error": "amount does not match the order"})
    assert await order_status(placed) == "pending_payment"


async def test_a_session_event_signed_with_another_secret_pays_nothing(stripe_store: AsyncTestClient,
                                                                       stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    body = session_event(placed, "checkout.session.completed")
    answer = await stripe_store.post("/payments/stripe/webhook", content=body,
                                     headers=signed(body, secret="whsec_someone_else"))
    assert (answer.status_code, answer.json()) == (400, {"error": "bad signature"})
    assert await order_status(placed) == "pending_payment"


# --- the whole way, as a buyer ----------------------------------------------------------------------------------------

async def test_an_order_is_paid_on_stripes_page_and_told_by_its_webhook(stripe_store: AsyncTestClient,
                                                                        standin: StripeStandIn) -> None:
    buyer = await make_account()
    await sign_in(stripe_store, buyer["id"])
    await add(stripe_store, await offer_in_stock(), 1)
    placed = await place(stripe_store, await to_review(stripe_store))
    assert placed.status_code == 303 and placed.headers["location"].startswith("/payments/stripe/pay/pay_")
    to_stripe = await stripe_store.get(placed.headers["location"])
    assert (to_stripe.status_code, to_stripe.headers["location"]) == (
        303, f"{standin.base_url}/c/pay/cs_test_standin1")
    order = await Order.select().where(Order.account == buyer["id"]).first()
    payment = await Payment.select().where(Payment.order == order["id"]).first()
    assert payment["provider"] == "stripe"
    session = standin.sessions["cs_test_standin1"]
    assert (session["amount_total"], session["client_reference_id"]) == (order["total_cents"],
                                                                        payment["provider_reference"])
    standin.pay("cs_test_standin1", "pi_standin_1")  # the buyer pays on Stripe's page
    told = PlacedOrder(order["id"], order["reference"], payment["provider_reference"], order["total_cents"], True)
    body = session_event(told, "checkout.session.completed", session_id="cs_test_standin1")
    assert await notify(stripe_store, body) == (200, {"outcome": "paid"})
    back = await stripe_store.get(urlsplit(session["success_url"]).path)
    assert "your order is paid" in back.text
    money = await order_money(order["id"])
    assert money.accounted_for and money.paid_cents == order["total_cents"]
    assert await provider_payment_id_for_order(order["id"]) == "cs_test_standin1"


# --- the reconciling job ---------------------------------------------------------------------------------------------

async def no_search() -> int:
    return 0


async def test_reconciling_pays_an_order_whose_session_was_paid_without_word(
        stripe_store: AsyncTestClient, stripe_settings: Settings, standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    unpaid = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{unpaid.payment_reference}")
    standin.pay(await session_of(placed), "pi_standin_1")
    reconcile, context = job_named("reconcile-payments"), JobContext(stripe_settings, no_search)
    assert await reconcile.perform(context) == 0  # opened just now: its notification may still come
    await Payment.update({Payment.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)}).where(
        Payment.provider_reference.is_in([placed.payment_reference, unpaid.payment_reference]))
    assert await reconcile.perform(context) == 1
    assert (await order_status(placed), await order_status(unpaid)) == ("paid", "pending_payment")
    assert await reconcile.perform(context) == 0  # settled once


# --- the id a refund names -------------------------------------------------------------------------------------------

async def test_the_refund_id_of_a_stripe_order_is_its_session(stripe_store: AsyncTestClient,
                                                              stripe_settings: Settings) -> None:
    placed = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert await provider_payment_id_for_order(placed.order_id) is None  # not paid yet
    await notify(stripe_store, session_event(placed, "checkout.session.completed"))
    assert await provider_payment_id_for_order(placed.order_id) == "cs_test_standin1"


async def test_the_refund_id_of_a_sandbox_order_is_our_reference(settings: Settings) -> None:
    account = await make_account()
    cart = await carts.create_cart(account["id"])
    await carts.add(cart, (await offer_in_stock())["id"], 1)
    placed = await place_order(cart_id=cart, account_id=account["id"], payment_means="card",
                               address=DeliveryAddress("Ann Lee", "1 rue Neuve", "69003", "Lyon"),
                               idempotency_key=uuid.uuid4().hex, settings=settings)
    assert await provider_payment_id_for_order(placed.order_id) is None
    sandbox = SandboxProvider(settings.payment_webhook_secret)
    body, signature = sandbox.notification(event_id="evt_sandbox_refund_id", succeeded=True,
                                           payment_reference=placed.payment_reference,
                                           amount_cents=placed.total_cents, currency="EUR")
    await handle_notification(body, signature, provider=sandbox, settings=settings)
    found = await provider_payment_id_for_order(placed.order_id)
    assert found == placed.payment_reference
    assert (await sandbox.refund(found, 100, "refund-by-order")).startswith("sre_")


# --- the store's policy lets its forms lead to Stripe's page ----------------------------------------------------

async def test_forms_may_lead_to_stripes_hosted_page_and_nowhere_else(stripe_store: AsyncTestClient,
                                                                      client: AsyncTestClient) -> None:
    with_stripe = (await stripe_store.get("/")).headers["content-security-policy"]
    assert "form-action 'self' https://checkout.stripe.com;" in with_stripe
    assert "form-action 'self';" in (await client.get("/")).headers["content-security-policy"]  # the sandbox's


# --- a session still open when its order ends unpaid --------------------------------------------------------------

async def test_the_session_of_a_cancelled_order_is_closed_at_stripe_once(stripe_store: AsyncTestClient,
                                                                        stripe_settings: Settings,
                                                                        standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert await transitions.cancel_unpaid(placed.order_id, account_id=(await order_of(placed))["account"])
    close, context = job_named("close-provider-payments"), JobContext(stripe_settings, no_search)
    assert await close.perform(context) == 1
    assert [r.path for r in standin.seen if r.method == "POST"] == [
        "/v1/checkout/sessions", "/v1/checkout/sessions/cs_test_standin1/expire"]
    assert standin.sessions["cs_test_standin1"]["status"] == "expired"
    assert await close.perform(context) == 0
    assert len(standin.posted("/v1/checkout/sessions/cs_test_standin1/expire")) == 1
    assert standin.posted("/v1/refunds") == []


async def test_a_session_paid_after_its_order_expired_is_refunded_in_full(stripe_store: AsyncTestClient,
                                                                          stripe_settings: Settings,
                                                                          standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=121)
    assert await transitions.expire_unpaid_orders(stripe_settings, now=later) == 1
    standin.pay("cs_test_standin1", "pi_late")  # the buyer's page was still open
    assert await notify(stripe_store, session_event(placed, "checkout.session.completed")) == (
        200, {"outcome": "ignored"})
    close, context = job_named("close-provider-payments"), JobContext(stripe_settings, no_search)
    assert await close.perform(context) == 1
    [refund] = standin.posted("/v1/refunds")
    assert (refund.params["payment_intent"], refund.params["amount"]) == ("pi_late", str(placed.total_cents))
    assert refund.idempotency_key == f"encore-late-{placed.payment_reference}"
    entries = await LedgerEntry.select().where(LedgerEntry.order == placed.order_id)
    by_transaction: dict[str, list[tuple[str, int]]] = {}
    for entry in entries:
        by_transaction.setdefault(entry["transaction"], []).append((entry["account"], entry["amount_cents"]))
    total = placed.total_cents
    assert {transaction: sorted(postings) for transaction, postings in by_transaction.items()} == {
        f"late:{placed.payment_reference}": [("late_payment_refund_due", -total), ("psp_clearing", total)],
        f"late-rfd:{placed.payment_reference}": [("late_payment_refund_due", total), ("psp_clearing", -total)]}
    buyer = await Account.select(Account.email).where(Account.id == (await order_of(placed))["account"]).first()
    told = await OutboxEmail.select(OutboxEmail.subject).where(OutboxEmail.to_address == buyer["email"])
    assert {"subject": f"Your payment for order {(await order_of(placed))['reference']} is being refunded"} in told
    assert await order_status(placed) == "expired"
    assert await close.perform(context) == 0
    assert len(standin.posted("/v1/refunds")) == 1


async def test_two_runs_at_once_refund_a_late_payment_once(stripe_store: AsyncTestClient, stripe_settings: Settings,
                                                           standin: StripeStandIn) -> None:
    placed = await placed_order(stripe_settings)
    await stripe_store.get(f"/payments/stripe/pay/{placed.payment_reference}")
    assert await transitions.cancel_unpaid(placed.order_id, account_id=(await order_of(placed))["account"])
    standin.pay("cs_test_standin1", "pi_late_twice")
    close, context = job_named("close-provider-payments"), JobContext(stripe_settings, no_search)
    assert sorted(await asyncio.gather(close.perform(context), close.perform(context))) == [0, 1]
    assert [refund["amount"] for refund in standin.refunds] == [placed.total_cents]
    booked = await LedgerEntry.select(LedgerEntry.transaction).where(LedgerEntry.order == placed.order_id)
    assert sorted(row["transaction"] for row in booked) == [
        f"late-rfd:{placed.payment_reference}", f"late-rfd:{placed.payment_reference}",
        f"late:{placed.payment_reference}", f"late:{placed.payment_reference}"]
