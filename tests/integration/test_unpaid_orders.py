"""Unpaid orders: the buyer pays one later or cancels it from My orders, and the scheduled job expires those not
paid in time, giving their stock back exactly once however many workers run it (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import subprocess
import sys
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.cart import service as carts
from storefront.cart.tables import CartLine
from storefront.mail.tables import OutboxEmail
from storefront.orders.placement import DeliveryAddress, PlacedOrder, place_order
from storefront.orders.tables import Order, SellerOrder
from storefront.orders.transitions import expire_unpaid_orders
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.payments.tables import LedgerEntry, Payment
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.conftest import ROOT, store_environment
from tests.integration.commerce import csrf_from, make_account, offer_in_stock, post_form
from tests.integration.test_checkout import CARD_OK, add, pay, place, to_review


async def stock_of(offer_id: int) -> int:
    return (await Offer.select(Offer.stock).where(Offer.id == offer_id).first())["stock"]


async def unpaid_order(settings: Settings, offer: dict, quantity: int = 1) -> PlacedOrder:
    account = await make_account()
    cart_id = await carts.create_cart(account["id"])
    await carts.add(cart_id, offer["id"], quantity)
    return await place_order(cart_id=cart_id, account_id=account["id"], payment_means="card", settings=settings,
                             address=DeliveryAddress(name="Camille Martin", line1="3 rue des Lilas",
                                                     postcode="69003", city="Lyon"),
                             idempotency_key=secrets.token_hex(16))


async def placed_minutes_ago(order_id: int, minutes: int) -> None:
    await Order.update({Order.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)}).where(
        Order.id == order_id)


async def test_my_orders_lets_the_buyer_pay_an_unpaid_order_later(client: AsyncTestClient, shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer)
    placed = await place(client, await to_review(client))
    reference = (await Order.select(Order.reference).where(Order.account == shopper["id"]).first())["reference"]
    listed = (await client.get("/account/orders")).text
    assert f'action="/account/orders/{reference}/pay"' in listed
    page = (await client.get(f"/account/orders/{reference}")).text
    assert "Its items are kept for you until" in page and f'action="/account/orders/{reference}/cancel"' in page

    again = await post_form(client, f"/account/orders/{reference}", f"/account/orders/{reference}/pay")
    assert again.status_code == 303 and again.headers["location"] == placed.headers["location"]
    paid = await pay(client, again.headers["location"], CARD_OK)
    assert "your order is paid" in (await client.get(paid.headers["location"])).text
    assert (await Order.select(Order.status).where(Order.reference == reference).first())["status"] == "paid"
    assert await stock_of(offer["id"]) == offer["stock"] - 1
    assert f'action="/account/orders/{reference}/pay"' not in (await client.get("/account/orders")).text


async def test_paying_later_leaves_what_was_added_to_the_cart_since(client: AsyncTestClient,
                                                                   shopper: dict) -> None:
    ordered = await offer_in_stock()
    added_later = await offer_in_stock(exclude_sellers=(ordered["seller"],))
    await add(client, ordered)
    placed = await place(client, await to_review(client))
    await add(client, added_later)
    await pay(client, placed.headers["location"], CARD_OK)
    lines = await CartLine.select(CartLine.offer).where(CartLine.cart._.account == shopper["id"])
    assert [line["offer"] for line in lines] == [added_later["id"]]


async def test_my_orders_lets_the_buyer_cancel_an_unpaid_order_and_the_stock_comes_back(
        client: AsyncTestClient, shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer, 2)
    placed = await place(client, await to_review(client))
    order = await Order.select().where(Order.account == shopper["id"]).first()
    assert await stock_of(offer["id"]) == offer["stock"] - 2

    cancelled = await post_form(client, f"/account/orders/{order['reference']}",
                                f"/account/orders/{order['reference']}/cancel")
    assert cancelled.status_code == 303
    page = (await client.get(cancelled.headers["location"])).text
    assert "Cancelled before payment, nothing was charged" in page
    assert await stock_of(offer["id"]) == offer["stock"]
    assert {so["status"] for so in await SellerOrder.select().where(SellerOrder.order == order["id"])} == {
        "cancelled"}
    # The provider's page takes no money for it any more, and a late notification changes nothing.
    assert (await client.get(placed.headers["location"])).headers["location"] == (
        f"/checkout/return/{order['reference']}")
    twice = await post_form(client, f"/account/orders/{order['reference']}",
                            f"/account/orders/{order['reference']}/cancel")
    assert twice.status_code == 303 and await stock_of(offer["id"]) == offer["stock"]
    assert not await LedgerEntry.exists().where(LedgerEntry.order == order["id"])


async def test_another_buyers_unpaid_order_cannot_be_cancelled_or_paid(client: AsyncTestClient, shopper: dict,
                                                                      settings: Settings) -> None:
    offer = await offer_in_stock()
    placed = await unpaid_order(settings, offer)
    page = (await client.get("/account/orders")).text
    for action in ("cancel", "pay"):
        response = await client.post(f"/account/orders/{placed.reference}/{action}", data={"_csrf": csrf_from(page)})
        assert response.status_code == 404
    assert (await Order.select(Order.status).where(Order.id == placed.order_id).first())["status"] == (
        "pending_payment")


async def test_an_order_is_kept_until_its_time_and_expires_after_it(settings: Settings) -> None:
    settings = replace(settings, unpaid_order_minutes=10)
    offer = await offer_in_stock(min_stock=3)
    recent, old = await unpaid_order(settings, offer), await unpaid_order(settings, offer)
    await placed_minutes_ago(recent.order_id, 9)
    await placed_minutes_ago(old.order_id, 11)
    assert await expire_unpaid_orders(settings) == 1
    statuses = {o["id"]: o["status"] for o in await Order.select(Order.id, Order.status).where(
        Order.id.is_in([recent.order_id, old.order_id]))}
    assert statuses == {recent.order_id: "pending_payment", old.order_id: "expired"}
    assert await stock_of(offer["id"]) == offer["stock"] - 1
    mails = await OutboxEmail.select().where(OutboxEmail.kind == "unpaid_order_expired")
    assert len(mails) == 1 and "not paid within 10 minutes" in mails[0]["body"]


async def expire_twice_at_once(settings: Settings) -> None:
    """Two workers' job runs at the same moment find the same expired order: its stock comes back once."""
    offer = await offer_in_stock(min_stock=3)
    placed = await unpaid_order(settings, offer, quantity=2)
    await placed_minutes_ago(placed.order_id, 31)
    runs = await asyncio.gather(expire_unpaid_orders(settings), expire_unpaid_orders(settings))
    assert sorted(runs) == [0, 1]
    assert await stock_of(offer["id"]) == offer["stock"]
    assert (await Order.select(Order.status).where(Order.id == placed.order_id).first())["status"] == "expired"
    assert (await Payment.select(Payment.status).where(Payment.order == placed.order_id).first())["status"] == (
        "cancelled")
    assert await OutboxEmail.count().where(
        (OutboxEmail.kind == "unpaid_order_expired") & OutboxEmail.body.like(f"%{placed.reference}%")) == 1
    # The provider, told too late, takes nothing: the order stays expired and the ledger empty.
    provider = SandboxProvider(settings.payment_webhook_secret)
    body, signature = provider.notification(event_id=f"evt_late_{placed.order_id}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency="EUR")
    assert await handle_notification(body, signature, provider=provider, settings=settings) == "ignored"
    assert not await LedgerEntry.exists().where(LedgerEntry.order == placed.order_id)


async def test_two_expiry_runs_at_once_give_the_stock_back_once_on_sqlite(settings: Settings) -> None:
    await expire_twice_at_once(settings)


@pytest.mark.postgres
async def test_two_expiry_runs_at_once_give_the_stock_back_once_on_postgres(postgres_store) -> None:
    await expire_twice_at_once(postgres_store.settings)


async def pay_and_expire_at_once(settings: Settings) -> None:
    """The provider's notification and the expiry job meet on an order past its time: one of them wins, and the
    stock, the payment and the ledger all say the same."""
    offer = await offer_in_stock(min_stock=3)
    placed = await unpaid_order(settings, offer)
    await placed_minutes_ago(placed.order_id, 31)
    provider = SandboxProvider(settings.payment_webhook_secret)
    body, signature = provider.notification(event_id=f"evt_race_{placed.order_id}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency="EUR")
    outcome, expired = await asyncio.gather(
        handle_notification(body, signature, provider=provider, settings=settings), expire_unpaid_orders(settings))
    payment = (await Payment.select(Payment.status).where(Payment.order == placed.order_id).first())["status"]
    paid_entries = await LedgerEntry.count().where(LedgerEntry.order == placed.order_id)
    if outcome == "paid":
        assert (expired, await status_of(placed.order_id), payment) == (0, "paid", "succeeded")
        assert await stock_of(offer["id"]) == offer["stock"] - 1 and paid_entries > 0
    else:
        assert (outcome, expired, await status_of(placed.order_id), payment) == (
            "ignored", 1, "expired", "cancelled")
        assert await stock_of(offer["id"]) == offer["stock"] and paid_entries == 0


async def test_a_payment_and_the_expiry_at_once_agree_on_sqlite(settings: Settings) -> None:
    await pay_and_expire_at_once(settings)


@pytest.mark.postgres
async def test_a_payment_and_the_expiry_at_once_agree_on_postgres(postgres_store) -> None:
    await pay_and_expire_at_once(postgres_store.settings)


async def status_of(order_id: int) -> str:
    return (await Order.select(Order.status).where(Order.id == order_id).first())["status"]


async def test_the_scheduled_jobs_of_a_running_app_expire_unpaid_orders(settings: Settings, backend) -> None:
    offer = await offer_in_stock()
    placed = await unpaid_order(settings, offer)
    await placed_minutes_ago(placed.order_id, 31)
    # The jobs run as the app starts, then every JOBS_INTERVAL_SECONDS.
    async with AsyncTestClient(app=create_app(replace(settings, jobs_interval_seconds=3_600), backend)):
        for _ in range(100):
            if await status_of(placed.order_id) == "expired":
                break
            await asyncio.sleep(0.1)
    assert await status_of(placed.order_id) == "expired"
    assert await stock_of(offer["id"]) == offer["stock"]


async def test_the_manage_command_expires_unpaid_orders(settings: Settings) -> None:
    offer = await offer_in_stock()
    placed = await unpaid_order(settings, offer)
    await placed_minutes_ago(placed.order_id, 31)
    result = subprocess.run([sys.executable, "-m", "storefront.manage", "expire-unpaid-orders"], cwd=ROOT,
                            env=store_environment(settings), capture_output=True, text=True, check=True)
    assert "expired 1 unpaid orders" in result.stdout
    assert await status_of(placed.order_id) == "expired"
    assert await stock_of(offer["id"]) == offer["stock"]


async def test_the_review_page_names_the_unpaid_order_of_the_cart(client: AsyncTestClient, shopper: dict) -> None:
    await add(client, await offer_in_stock())
    await place(client, await to_review(client))
    reference = (await Order.select(Order.reference).where(Order.account == shopper["id"]).first())["reference"]
    assert re.search(rf"Order {reference} from this cart is waiting for payment",
                     (await client.get("/checkout/review")).text)


async def test_the_cart_points_to_its_unpaid_order(client: AsyncTestClient, shopper: dict) -> None:
    await add(client, await offer_in_stock())
    await place(client, await to_review(client))
    reference = (await Order.select(Order.reference).where(Order.account == shopper["id"]).first())["reference"]
    cart = (await client.get("/cart")).text
    assert f"Order {reference} from this cart is waiting for payment." in cart
    assert f'<a href="/account/orders/{reference}">Pay or cancel it</a>' in cart
