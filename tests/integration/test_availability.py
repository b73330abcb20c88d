"""One availability rule, seen through HTTP: an offer of a dereferenced product or seller can be neither added
to a cart nor ordered, and a cart line's frozen price and shipping are both checked before an order is taken.

Each test arranges its own seller, product and offer (the referencing tests' builder), so the demo catalogue's
stock and prices are left alone.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.cart import service as carts
from storefront.moderation import referencing
from storefront.orders.placement import CheckoutBlocked, DeliveryAddress, place_order
from storefront.orders.tables import Order
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.commerce import csrf_from, make_account, post_form, sign_in
from tests.integration.test_referencing import ExclusiveSeller, found_in_search

FACTS = "The battery overheats when charging (recall 14)."


@pytest.fixture
async def operator() -> dict:
    return await make_account(role="operator", name="Olga Operator")


async def offer_of(shop: ExclusiveSeller) -> dict:
    return await Offer.select().where(Offer.seller == shop.seller_id).first()


async def add(client: AsyncTestClient, shop: ExclusiveSeller, offer_id: int, headers: dict | None = None):
    return await post_form(client, f"/p/{shop.slug}", "/cart/add", {"offer_id": str(offer_id), "quantity": "1"},
                           headers=headers or {})


async def to_review(client: AsyncTestClient) -> str:
    await post_form(client, "/checkout/address", "/checkout/address", {
        "name": "Camille Martin", "line1": "3 rue des Lilas", "postcode": "69003", "city": "Lyon", "country": "FR"})
    await post_form(client, "/checkout/shipping", "/checkout/shipping")
    await post_form(client, "/checkout/payment", "/checkout/payment", {"payment_means": "card"})
    return (await client.get("/checkout/review")).text


async def place(client: AsyncTestClient, review_html: str):
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review_html).group(1)
    return await client.post("/checkout/place", data={"_csrf": csrf_from(review_html), "idempotency_key": key})


async def orders_of(account: dict) -> list[dict]:
    return await Order.select().where(Order.account == account["id"])


async def dereference_product(shop: ExclusiveSeller, operator: dict, settings: Settings,
                              drainer: OutboxDrainer) -> None:
    await referencing.dereference_product(shop.model_id, ground="dangerous", facts=FACTS,
                                          operator_id=operator["id"], settings=settings)
    await drainer.drain()


async def test_adding_an_offer_of_a_dereferenced_product_is_refused_with_a_message(
    client: AsyncTestClient, shopper: dict, shop: ExclusiveSeller, operator: dict, settings: Settings,
    drainer: OutboxDrainer,
) -> None:
    offer = await offer_of(shop)
    page = (await client.get(f"/p/{shop.slug}")).text
    await dereference_product(shop, operator, settings, drainer)
    response = await client.post("/cart/add", data={"_csrf": csrf_from(page), "offer_id": str(offer["id"])})
    assert response.status_code == 400 and "<html" in response.text
    assert "This product is no longer offered on the store." in unescape(response.text)
    fragment = await client.post("/cart/add", data={"_csrf": csrf_from(page), "offer_id": str(offer["id"])},
                                 headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and "This product is no longer offered" in fragment.text
    assert "Your cart is empty" in (await client.get("/cart")).text


async def test_after_the_operator_dereferences_a_product_it_can_be_neither_added_nor_ordered(
    client: AsyncTestClient, shopper: dict, shop: ExclusiveSeller, operator: dict, settings: Settings,
    drainer: OutboxDrainer,
) -> None:
    offer = await offer_of(shop)
    assert (await add(client, shop, offer["id"])).status_code == 303
    review = await to_review(client)
    assert "Order with obligation to pay" in review

    await dereference_product(shop, operator, settings, drainer)
    assert (await offer_of(shop))["status"] == "active", "the rule, not the offer's own status, takes it off"
    assert not await found_in_search(client, shop)
    refused = await place(client, review)
    assert refused.status_code == 409 and await orders_of(shopper) == []
    assert (await offer_of(shop))["stock"] == 4
    assert "No longer available" in (await client.get("/cart")).text
    again = await client.post("/cart/add", data={"_csrf": csrf_from(review), "offer_id": str(offer["id"])})
    assert again.status_code == 400

    await referencing.reinstate_product(shop.model_id, operator_id=operator["id"], note="Other batch.")
    await drainer.drain()
    assert await found_in_search(client, shop)
    assert (await add(client, shop, offer["id"])).status_code == 303, "reinstating puts the offer back on sale"


async def test_a_cart_line_whose_seller_is_dereferenced_afterwards_is_unavailable_and_not_ordered(
    client: AsyncTestClient, shopper: dict, shop: ExclusiveSeller, operator: dict, settings: Settings,
    drainer: OutboxDrainer,
) -> None:
    offer = await offer_of(shop)
    await add(client, shop, offer["id"])
    review = await to_review(client)
    await referencing.terminate_seller(shop.seller_id, kind="breach", ground="law", facts="Sold devices reported "
                                       "stolen.", operator_id=operator["id"], settings=settings)
    await drainer.drain()

    cart = (await client.get("/cart")).text
    assert "No longer available" in cart and 'href="/checkout"' not in cart
    refused = await place(client, review)
    assert refused.status_code == 409 and await orders_of(shopper) == []
    assert (await offer_of(shop))["stock"] == 4
    # Changing the quantity of such a line is refused too: the rule, not the stock alone, decides.
    line = re.search(r'action="/cart/lines/(\d+)/quantity"', cart).group(1)
    changed = await client.post(f"/cart/lines/{line}/quantity", data={"_csrf": csrf_from(cart), "quantity": "2"})
    assert changed.status_code == 400 and "This seller no longer sells on the store." in unescape(changed.text)


async def test_a_raised_shipping_cost_is_shown_and_charged_only_once_accepted(
    client: AsyncTestClient, shopper: dict, shop: ExclusiveSeller
) -> None:
    offer = await offer_of(shop)
    await add(client, shop, offer["id"])
    review = await to_review(client)
    await Offer.update({Offer.shipping_cents: 990}).where(Offer.id == offer["id"])

    cart = unescape((await client.get("/cart")).text)
    assert "The seller changed the shipping cost: now €9.90 instead of free." in cart
    assert 'href="/checkout"' not in cart
    assert "Some prices, shipping costs or stock changed" in unescape((await client.get("/checkout/review")).text)
    refused = await place(client, review)
    assert refused.status_code == 409 and await orders_of(shopper) == []
    assert "changed since you added them" in unescape(refused.text)

    await post_form(client, "/cart", "/cart/accept-prices")
    assert "changed the shipping cost" not in unescape((await client.get("/cart")).text)
    placed = await place(client, await to_review(client))
    assert placed.status_code == 303
    [order] = await orders_of(shopper)
    assert (order["items_cents"], order["shipping_cents"]) == (12_900, 990)


@pytest.mark.parametrize(("new_price", "text"), [(11_900, "now €119.00 instead of €129.00"),
                                                  (13_900, "now €139.00 instead of €129.00")])
async def test_a_price_drop_or_raise_is_shown_and_charged_only_once_accepted(
    client: AsyncTestClient, shopper: dict, shop: ExclusiveSeller, new_price: int, text: str
) -> None:
    offer = await offer_of(shop)
    await add(client, shop, offer["id"])
    review = await to_review(client)
    await Offer.update({Offer.price_cents: new_price}).where(Offer.id == offer["id"])

    assert f"The seller changed the price: {text}." in unescape((await client.get("/cart")).text)
    refused = await place(client, review)
    assert refused.status_code == 409 and await orders_of(shopper) == []

    await post_form(client, "/cart", "/cart/accept-prices")
    placed = await place(client, await to_review(client))
    assert placed.status_code == 303
    [order] = await orders_of(shopper)
    assert (order["items_cents"], order["shipping_cents"]) == (new_price, 0)


async def test_an_offer_or_product_of_a_dereferenced_seller_is_no_longer_a_notice_subject(
    client: AsyncTestClient, shop: ExclusiveSeller, operator: dict, settings: Settings, drainer: OutboxDrainer
) -> None:
    offer = await offer_of(shop)
    for subject in (f"offer:{offer['id']}", f"product:{shop.model_id}"):
        assert f'name="subject" value="{subject}"' in (await client.get(f"/report?subject={subject}")).text
    await referencing.terminate_seller(shop.seller_id, kind="breach", ground="law", facts="Sold devices reported "
                                       "stolen.", operator_id=operator["id"], settings=settings)
    await drainer.drain()
    for subject in (f"offer:{offer['id']}", f"product:{shop.model_id}"):
        answer = await client.get(f"/report?subject={subject}")
        assert answer.status_code == 200 and 'name="subject"' not in answer.text, subject


async def test_the_console_counts_only_offers_on_sale(
    client: AsyncTestClient, shop: ExclusiveSeller, operator: dict, settings: Settings, drainer: OutboxDrainer
) -> None:
    await sign_in(client, operator["id"])
    assert "1 on sale of 1" in (await client.get(f"/ops/sellers/{shop.seller_id}")).text
    await dereference_product(shop, operator, settings, drainer)
    assert "0 on sale of 1" in (await client.get(f"/ops/sellers/{shop.seller_id}")).text
    assert "0 offers on sale." in (await client.get(f"/ops/products/{shop.model_id}")).text
    await referencing.reinstate_product(shop.model_id, operator_id=operator["id"], note="Other batch.")
    await drainer.drain()
    assert "1 on sale of 1" in (await client.get(f"/ops/sellers/{shop.seller_id}")).text
    await referencing.terminate_seller(shop.seller_id, kind="breach", ground="law", facts="Sold devices reported "
                                       "stolen.", operator_id=operator["id"], settings=settings)
    await drainer.drain()
    assert "0 on sale of 1" in (await client.get(f"/ops/sellers/{shop.seller_id}")).text


async def _raise_shipping(shop: ExclusiveSeller, *_: object) -> None:
    await Offer.update({Offer.shipping_cents: 990}).where(Offer.seller == shop.seller_id)


async def _dereference_seller(shop: ExclusiveSeller, operator: dict, settings: Settings,
                              drainer: OutboxDrainer) -> None:
    await referencing.terminate_seller(shop.seller_id, kind="breach", ground="law", facts="Sold devices reported "
                                       "stolen.", operator_id=operator["id"], settings=settings)
    await drainer.drain()


@pytest.mark.parametrize("change", [dereference_product, _dereference_seller, _raise_shipping],
                         ids=["product dereferenced", "seller dereferenced", "shipping raised"])
async def test_placement_refuses_a_change_committed_after_it_read_the_cart(
    client: AsyncTestClient, shopper: dict, shop: ExclusiveSeller, operator: dict, settings: Settings,
    drainer: OutboxDrainer, monkeypatch: pytest.MonkeyPatch, change: Callable[..., Awaitable[None]],
) -> None:
    offer = await offer_of(shop)
    await add(client, shop, offer["id"])
    cart_id = await carts.cart_of_account(shopper["id"])
    read_before = await carts.load(cart_id, settings.service_fee)
    assert not read_before.needs_attention
    await change(shop, operator, settings, drainer)

    async def cart_as_read_before(*_: object) -> carts.CartView:
        return read_before

    # The measure lands between placement's read of the cart and the statement that takes the stock.
    monkeypatch.setattr(carts, "load", cart_as_read_before)
    with pytest.raises(CheckoutBlocked, match="has just sold out or changed"):
        await place_order(cart_id=cart_id, account_id=shopper["id"], payment_means="card",
                          address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                          idempotency_key=uuid.uuid4().hex, settings=settings)
        await drainer.drain()
    assert await orders_of(shopper) == [] and (await offer_of(shop))["stock"] == 4
