"""The events a seller's endpoint receives about its orders, recorded by the transitions themselves and posted
to a real receiver on a loopback port: a new (paid) order, a refusal, a claim opened and answered.

Each test makes its own seller with one offer (SKU "HOOK-128-A", €200.00 plus €4.85 shipping) through the
seller portal tests' builder, and its own receiver.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from storefront.orders import claims, transitions
from storefront.orders.claims import ProposalInput
from storefront.orders.tables import Order
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from storefront.webhooks import endpoints
from storefront.webhooks.sender import deliver_due
from storefront.webhooks.tables import WebhookDelivery
from tests.integration.test_seller_portal import Shop, post_form, sign_in
from tests.integration.test_seller_portal import shop as shop
from tests.integration.webhook_receiver import Receiver, start_receiver

SKU = "HOOK-128-A"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server, standin = start_receiver()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


async def hooked_seller(shop: Shop, receiver: Receiver) -> dict:
    """A seller whose one offer has SKU "HOOK-128-A", with its endpoint at the receiver."""
    seller = await shop.seller()
    await Offer.update({Offer.sku: SKU}).where(Offer.id == seller["offer"])
    await endpoints.save_endpoint(seller["id"], receiver.url, shop.settings)
    return seller


async def send(settings: Settings) -> int:
    return await deliver_due(settings, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))


async def test_a_paid_order_is_posted_as_a_new_order_with_its_lines(shop: Shop, receiver: Receiver) -> None:
    seller = await hooked_seller(shop, receiver)
    seller_order = await shop.paid_order(await shop.account(), seller["offer"], quantity=2)
    assert await send(shop.settings) == 1
    [event] = receiver.events()
    assert event["type"] == "order.created"
    assert event["id"].startswith("evt_")
    assert event["data"]["seller_order"] | {"promised_delivery_date": None} == {
        "id": seller_order["id"], "order_reference": seller_order["reference"], "state": "pending",
        "items_cents": 40_000, "shipping_cents": 485, "total_cents": 40_485, "currency": "EUR",
        "promised_delivery_date": None,
        "lines": [{"sku": SKU, "offer_id": seller["offer"], "variant_id": seller["variant"],
                   "title": event["data"]["seller_order"]["lines"][0]["title"],
                   "grade": event["data"]["seller_order"]["lines"][0]["grade"], "quantity": 2,
                   "unit_price_cents": 20_000, "currency": "EUR"}]}


async def test_the_payload_carries_nothing_personal_of_the_buyer(shop: Shop, receiver: Receiver) -> None:
    seller = await hooked_seller(shop, receiver)
    buyer = await shop.account()
    await shop.paid_order(buyer, seller["offer"])
    await send(shop.settings)
    body = receiver.requests[0].body.decode()
    for personal in (buyer["email"], "Camille Martin", "3 rue des Lilas", "Lyon", "69003"):
        assert personal not in body


async def test_a_refused_order_is_posted_as_cancelled(shop: Shop, receiver: Receiver) -> None:
    seller = await hooked_seller(shop, receiver)
    seller_order = await shop.paid_order(await shop.account(), seller["offer"])
    await transitions.refuse(seller_order["id"], seller_id=seller["id"], settings=shop.settings, reason="No stock")
    assert await send(shop.settings) == 2
    assert [(e["type"], e["data"]["seller_order"]["state"]) for e in receiver.events()] == [
        ("order.created", "pending"), ("order.cancelled", "refused")]


async def test_a_claim_opened_then_given_a_proposal_is_posted_twice(shop: Shop, receiver: Receiver) -> None:
    seller = await hooked_seller(shop, receiver)
    buyer = await shop.account()
    seller_order = await shop.paid_order(buyer, seller["offer"])
    await transitions.accept(seller_order["id"], seller_id=seller["id"], settings=shop.settings)
    await transitions.ship(seller_order["id"], seller_id=seller["id"], carrier="Colissimo", tracking_number="6A1",
                           settings=shop.settings)
    await transitions.deliver(seller_order["id"], seller_id=seller["id"], settings=shop.settings)
    claim_id = await transitions.open_claim(seller_order["id"], account_id=buyer["id"], reason="defective",
                                            message="The screen flickers.", settings=shop.settings)
    await claims.propose(claim_id, ProposalInput("replacement", "", "We send a replacement."),
                         seller_id=seller["id"], settings=shop.settings)
    assert await send(shop.settings) == 3
    opened, answered = receiver.events()[1:]
    assert (opened["type"], opened["data"]["seller_order"]["state"]) == ("claim.opened", "delivered")
    assert {k: opened["data"]["claim"][k] for k in ("id", "reason", "message", "status", "seller_answer")} == {
        "id": claim_id, "reason": "defective", "message": "The screen flickers.", "status": "open",
        "seller_answer": ""}
    assert answered["type"] == "claim.answered"
    assert {k: answered["data"]["claim"][k] for k in ("status", "seller_answer", "resolution", "resolution_cents")
            } == {"status": "proposed", "seller_answer": "We send a replacement.", "resolution": "replacement",
                  "resolution_cents": None}


async def test_a_seller_without_an_endpoint_gets_no_event_recorded(shop: Shop) -> None:
    seller = await shop.seller()
    await shop.paid_order(await shop.account(), seller["offer"])
    assert await WebhookDelivery.count().where(WebhookDelivery.seller == seller["id"]) == 0


async def test_a_turned_off_endpoint_gets_no_event_recorded(shop: Shop, receiver: Receiver) -> None:
    seller = await hooked_seller(shop, receiver)
    await endpoints.set_enabled(seller["id"], False)
    await shop.paid_order(await shop.account(), seller["offer"])
    assert await WebhookDelivery.count().where(WebhookDelivery.seller == seller["id"]) == 0


async def test_an_unpaid_order_that_expires_is_no_news_to_the_seller(shop: Shop, receiver: Receiver) -> None:
    from storefront.cart import service as carts
    from storefront.orders.placement import DeliveryAddress, place_order

    seller = await hooked_seller(shop, receiver)
    buyer = await shop.account()
    cart = await carts.create_cart(buyer["id"])
    await carts.add(cart, seller["offer"], 1)
    placed = await place_order(cart_id=cart, account_id=buyer["id"], payment_means="card",
                               address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                               idempotency_key="hook-expiry-" + str(seller["id"]), settings=shop.settings)
    created = (await Order.select(Order.created_at).where(Order.id == placed.order_id).first())["created_at"]
    assert await transitions.expire_unpaid_orders(shop.settings, now=created + dt.timedelta(minutes=31)) >= 1
    assert await WebhookDelivery.count().where(WebhookDelivery.seller == seller["id"]) == 0


async def test_refusing_in_the_portal_posts_the_event_right_after_the_response(
        client: AsyncTestClient, shop: Shop, receiver: Receiver) -> None:
    seller = await hooked_seller(shop, receiver)
    seller_order = await shop.paid_order(await shop.account(), seller["offer"])
    await send(shop.settings)  # the new order, sent by hand: the portal request sends the rest
    await sign_in(client, (await shop.account("seller", seller["id"]))["id"])
    response = await post_form(client, f"/seller/orders/{seller_order['id']}",
                               f"/seller/orders/{seller_order['id']}/refuse", {"reason": "Out of stock"})
    assert response.status_code == 200  # followed to the order page
    assert receiver.wait_for(2) == 2
    assert receiver.events()[1]["type"] == "order.cancelled"
