"""Cart and checkout through HTTP: the fee disclosed before paying, one order per attempt, payments that
only signed notifications can change, stock that comes back, and a ledger that accounts for every cent."""
from __future__ import annotations

import re
import sqlite3

import pytest
from litestar.testing import AsyncTestClient

from storefront.cart.tables import CartLine
from storefront.catalog.tables import Variant
from storefront.orders.tables import Order, SellerOrder
from storefront.payments.provider import SandboxProvider
from storefront.payments.tables import LedgerEntry, PaymentNotification
from storefront.sellers.tables import Offer
from tests.integration.builders import change_offer
from tests.integration.commerce import csrf_from, make_account, offer_in_stock, post_form, sign_in
from tests.integration.ledger_reading import order_money

HX = {"HX-Request": "true"}
CARD_OK, CARD_DECLINED, CARD_CONFIRM = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0027 6000 3184"


async def product_url(offer: dict) -> str:
    variant = await Variant.select(Variant.slug).where(Variant.id == offer["variant"]).first()
    return f"/p/{variant['slug']}"


async def add(client: AsyncTestClient, offer: dict, quantity: int | str = 1, headers: dict | None = None):
    return await post_form(client, await product_url(offer), "/cart/add",
                           {"offer_id": str(offer["id"]), "quantity": str(quantity)}, headers=headers or {})


async def to_review(client: AsyncTestClient, means: str = "card") -> str:
    await post_form(client, "/checkout/address", "/checkout/address", {
        "name": "Camille Martin", "line1": "3 rue des Lilas", "postcode": "69003", "city": "Lyon", "country": "FR"})
    await post_form(client, "/checkout/shipping", "/checkout/shipping")
    await post_form(client, "/checkout/payment", "/checkout/payment", {"payment_means": means})
    return (await client.get("/checkout/review")).text


async def place(client: AsyncTestClient, review_html: str):
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review_html).group(1)
    return await client.post("/checkout/place", data={"_csrf": csrf_from(review_html), "idempotency_key": key})


async def pay(client: AsyncTestClient, payment_url: str, card: str = CARD_OK):
    page = (await client.get(payment_url)).text
    return await client.post(payment_url, data={"_csrf": csrf_from(page), "holder": "Camille Martin",
                                                 "card_number": card, "expiry": "12/30", "cvc": "123"})


async def test_adding_without_javascript_redirects_back_and_starts_a_session(client: AsyncTestClient) -> None:
    client.follow_redirects = False
    offer = await offer_in_stock()
    response = await add(client, offer)
    assert response.status_code == 303
    assert response.headers["location"] == f"{await product_url(offer)}?added={offer['id']}"
    assert "encore_session=" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
    assert "Added to your cart" in (await client.get(response.headers["location"])).text


async def test_adding_with_htmx_answers_a_fragment_that_updates_the_badge(client: AsyncTestClient) -> None:
    offer = await offer_in_stock()
    response = await add(client, offer, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert re.search(r'id="cart-badge"[^>]*data-hx-swap-oob="true"[^>]*>1<', response.text)


@pytest.mark.parametrize("quantity", ["0", "-1", "999", "two"])
async def test_a_bad_quantity_is_refused_with_a_message_and_adds_nothing(client: AsyncTestClient, shopper: dict,
                                                                         quantity: str) -> None:
    before = await CartLine.count()
    response = await add(client, await offer_in_stock(), quantity)
    assert response.status_code == 400 and "quantity" in response.text.lower()
    assert await CartLine.count() == before


async def test_the_cart_groups_by_seller_and_states_the_fee_with_its_rule(client: AsyncTestClient, shopper: dict,
                                                                         settings, backend) -> None:
    first = await offer_in_stock()
    second = await offer_in_stock(exclude_sellers=(first["seller"],))
    await change_offer(first["id"], settings, backend, price_cents=15_000, shipping_cents=0)
    await change_offer(second["id"], settings, backend, price_cents=5_000, shipping_cents=490)
    await add(client, first)
    await add(client, second, 2)
    html = (await client.get("/cart")).text
    assert html.count('class="cart-group"') == 2
    assert "(2\N{NO-BREAK SPACE}% of the items, min €0.49, max €7.99)" in html
    # Items €250.00: 2 % is €5.00; shipping €4.90.
    assert re.search(r"<dt>Service fee.*?</dt><dd>€5\.00</dd>", html, re.S)
    assert "<dt>Total, VAT included</dt><dd>€259.90</dd>" in html


async def test_the_quantity_list_offers_no_more_than_the_seller_has(client: AsyncTestClient, shopper: dict) -> None:
    offer = await offer_in_stock()
    await Offer.update({Offer.stock: 2}).where(Offer.id == offer["id"])
    await add(client, offer)
    line = await CartLine.select().order_by(CartLine.id, ascending=False).first()
    cart = (await client.get("/cart")).text
    listed = cart[cart.index(f'id="qty-{line["id"]}"'):].split("</select>")[0]
    assert re.findall(r'<option value="(\d+)"', listed) == ["1", "2"]


async def test_another_shoppers_cart_line_is_not_found_and_stays(client: AsyncTestClient, shopper: dict) -> None:
    await add(client, await offer_in_stock())
    line = await CartLine.select().order_by(CartLine.id, ascending=False).first()
    intruder = await make_account()
    await sign_in(client, intruder["id"])
    response = await post_form(client, "/", f"/cart/lines/{line['id']}/remove")
    assert response.status_code == 404
    assert await CartLine.exists().where(CartLine.id == line["id"])


async def test_a_price_change_is_shown_and_blocks_checkout_until_accepted(client: AsyncTestClient,
                                                                         shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer)
    review = await to_review(client)
    await Offer.update({Offer.price_cents: offer["price_cents"] + 1_000}).where(Offer.id == offer["id"])
    cart = (await client.get("/cart")).text
    assert "The seller changed the price" in cart and 'href="/checkout"' not in cart
    blocked = await place(client, review)
    assert blocked.status_code == 409 and "changed" in blocked.text
    assert not await Order.exists().where(Order.account == shopper["id"])
    await post_form(client, "/cart", "/cart/accept-prices")
    assert "The seller changed the price" not in (await client.get("/cart")).text


async def test_checkout_asks_anonymous_shoppers_to_sign_in_first(client: AsyncTestClient) -> None:
    client.follow_redirects = False
    response = await client.get("/checkout/review")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/checkout/review"
    assert "Your cart is kept" in (await client.get(response.headers["location"])).text


async def test_a_bad_address_comes_back_with_the_input_and_the_error_next_to_it(client: AsyncTestClient,
                                                                               shopper: dict) -> None:
    await add(client, await offer_in_stock())
    response = await post_form(client, "/checkout/address", "/checkout/address", {
        "name": "Camille Martin", "line1": "3 rue des Lilas", "postcode": "6900", "city": "", "country": "FR"})
    assert response.status_code == 400
    assert 'value="3 rue des Lilas"' in response.text and 'value="6900"' in response.text
    assert 'id="f-postcode-error"' in response.text and 'id="f-city-error"' in response.text


async def test_the_review_states_fee_and_total_before_the_order_button(client: AsyncTestClient, shopper: dict,
                                                                      settings, backend) -> None:
    offer = await offer_in_stock()
    await change_offer(offer["id"], settings, backend, price_cents=2_450, shipping_cents=0)
    await add(client, offer)
    html = await to_review(client)
    fee_at = html.index("€0.49")  # the floor: 2 % of €24.50 is €0.49
    assert fee_at < html.index("Total, VAT included") < html.index("Order with obligation to pay")
    assert "€24.99" in html[fee_at:]


async def test_paying_with_a_test_card_makes_one_paid_order_and_empties_the_cart(client: AsyncTestClient,
                                                                                 shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer, 2)
    review = await to_review(client)
    first, second = await place(client, review), await place(client, review)
    assert first.headers["location"] == second.headers["location"], "a double click pays the same order"
    assert await Order.count().where(Order.account == shopper["id"]) == 1
    paid = await pay(client, first.headers["location"])
    assert "your order is paid" in (await client.get(paid.headers["location"])).text
    order = await Order.select().where(Order.account == shopper["id"]).first()
    assert order["status"] == "paid"
    assert (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"] == offer["stock"] - 2
    assert "Your cart is empty" in (await client.get("/cart")).text
    money = await order_money(order["id"])
    assert money.accounted_for and money.paid_cents == order["total_cents"]


async def test_the_order_form_sent_again_after_paying_leads_to_the_paid_order(client: AsyncTestClient,
                                                                             shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer, 2)
    review = await to_review(client)
    placed = await place(client, review)
    await pay(client, placed.headers["location"])
    again = await place(client, review)  # the back button, then the button again: the cart is empty by now
    reference = (await Order.select(Order.reference).where(Order.account == shopper["id"]).first())["reference"]
    assert again.status_code == 303 and again.headers["location"] == f"/checkout/return/{reference}"
    assert await Order.count().where(Order.account == shopper["id"]) == 1
    assert (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"] == offer["stock"] - 2


async def test_a_payment_form_error_keeps_the_name_and_expiry_but_never_the_card(client: AsyncTestClient,
                                                                                shopper: dict) -> None:
    await add(client, await offer_in_stock())
    placed = await place(client, await to_review(client))
    page = (await client.get(placed.headers["location"])).text
    again = await client.post(placed.headers["location"], data={
        "_csrf": csrf_from(page), "holder": "Camille Martin", "card_number": "4242 4242 4242 4241",
        "expiry": "11/31", "cvc": "321"})
    assert again.status_code == 400
    assert 'value="Camille Martin"' in again.text and 'value="11/31"' in again.text
    assert "4241" not in again.text and 'value="321"' not in again.text


async def test_a_declined_card_keeps_the_order_and_another_card_then_pays_it(client: AsyncTestClient,
                                                                             shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer)
    placed = await place(client, await to_review(client))
    declined = await pay(client, placed.headers["location"], CARD_DECLINED)
    assert declined.status_code == 303 and declined.headers["location"].startswith(placed.headers["location"])
    page = (await client.get(declined.headers["location"])).text
    assert "The bank declined this card, so nothing was charged" in page and "Try another card" in page
    order = await Order.select().where(Order.account == shopper["id"]).first()
    assert order["status"] == "pending_payment"
    assert {so["status"] for so in await SellerOrder.select().where(SellerOrder.order == order["id"])} == {
        "awaiting_payment"}
    assert (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"] == offer["stock"] - 1
    assert not await LedgerEntry.exists().where(LedgerEntry.order == order["id"])
    history = (await client.get(f"/account/orders/{order['reference']}")).text
    assert "A payment attempt was declined; nothing was charged." in history

    paid = await pay(client, placed.headers["location"], CARD_OK)
    assert "your order is paid" in (await client.get(paid.headers["location"])).text
    assert await Order.count().where(Order.account == shopper["id"]) == 1
    assert (await Order.select(Order.status).where(Order.id == order["id"]).first())["status"] == "paid"
    assert (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"] == offer["stock"] - 1
    money = await order_money(order["id"])
    assert money.accounted_for and money.paid_cents == order["total_cents"]


async def test_returning_to_the_review_and_ordering_again_leads_to_the_same_unpaid_order(
        client: AsyncTestClient, shopper: dict) -> None:
    offer = await offer_in_stock()
    await add(client, offer)
    first = await place(client, await to_review(client))
    review_again = (await client.get("/checkout/review")).text  # a fresh visit: a new key for the form
    assert "from this cart is waiting for payment" in review_again
    second = await place(client, review_again)
    assert second.status_code == 303 and second.headers["location"] == first.headers["location"]
    assert await Order.count().where(Order.account == shopper["id"]) == 1
    assert (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"] == offer["stock"] - 1


async def test_ordering_a_changed_cart_cancels_the_unpaid_order_and_returns_its_stock(
        client: AsyncTestClient, shopper: dict) -> None:
    offer = await offer_in_stock(min_stock=3)
    await add(client, offer)
    first = await place(client, await to_review(client))
    await add(client, offer)  # two of them now
    second = await place(client, (await client.get("/checkout/review")).text)
    assert second.headers["location"] != first.headers["location"]
    orders = await Order.select().where(Order.account == shopper["id"]).order_by(Order.id)
    assert [o["status"] for o in orders] == ["cancelled", "pending_payment"]
    # One unit back from the first order, two taken by the second.
    assert (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"] == offer["stock"] - 2
    paid = await pay(client, second.headers["location"])
    assert "your order is paid" in (await client.get(paid.headers["location"])).text


@pytest.mark.parametrize(("decision", "status"), [("confirm", "paid"), ("cancel", "pending_payment")])
async def test_a_card_that_needs_confirmation_goes_through_the_extra_step(client: AsyncTestClient, shopper: dict,
                                                                         decision: str, status: str) -> None:
    await add(client, await offer_in_stock())
    placed = await place(client, await to_review(client))
    step = await pay(client, placed.headers["location"], CARD_CONFIRM)
    assert "/confirm?token=" in step.headers["location"]
    page = (await client.get(step.headers["location"])).text
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    await client.post(step.headers["location"].split("?")[0],
                      data={"_csrf": csrf_from(page), "token": token, "decision": decision})
    assert (await Order.select().where(Order.account == shopper["id"]).first())["status"] == status


async def test_a_forged_or_replayed_notification_changes_nothing(client: AsyncTestClient, shopper: dict,
                                                                 settings) -> None:
    await add(client, await offer_in_stock())
    placed = await place(client, await to_review(client))
    reference = placed.headers["location"].rsplit("/", 1)[1]
    order = await Order.select().where(Order.account == shopper["id"]).first()
    forger = SandboxProvider("not the shared secret")
    body, signature = forger.notification(event_id="evt_forged", succeeded=True, payment_reference=reference,
                                          amount_cents=order["total_cents"], currency="EUR")
    forged = await client.post("/payments/sandbox/notify", content=body, headers={"Encore-Signature": signature})
    assert forged.status_code == 400
    assert (await Order.select(Order.status).where(Order.id == order["id"]).first())["status"] == "pending_payment"

    genuine = SandboxProvider(settings.payment_webhook_secret)
    body, signature = genuine.notification(event_id="evt_once", succeeded=True, payment_reference=reference,
                                           amount_cents=order["total_cents"], currency="EUR")
    answers = [await client.post("/payments/sandbox/notify", content=body, headers={"Encore-Signature": signature})
               for _ in range(2)]
    assert [a.json()["outcome"] for a in answers] == ["paid", "duplicate"]
    assert await LedgerEntry.count().where((LedgerEntry.order == order["id"]) & (LedgerEntry.kind == "payment")) > 0
    payments = await LedgerEntry.select().where((LedgerEntry.order == order["id"]) & (LedgerEntry.kind == "payment"))
    assert sum(e["amount_cents"] for e in payments if e["account"] == "psp_clearing") == order["total_cents"]


async def test_no_card_number_is_ever_stored(client: AsyncTestClient, shopper: dict, settings) -> None:
    await add(client, await offer_in_stock())
    placed = await place(client, await to_review(client))
    await pay(client, placed.headers["location"])
    assert await PaymentNotification.count() > 0
    dump = "\n".join(sqlite3.connect(settings.database_url.removeprefix("sqlite:///")).iterdump())
    assert "4242424242424242" not in dump and "4242 4242" not in dump


async def test_posting_without_a_csrf_token_is_refused_and_changes_nothing(client: AsyncTestClient,
                                                                          shopper: dict) -> None:
    offer = await offer_in_stock()
    before = await CartLine.count()
    response = await client.post("/cart/add", data={"offer_id": str(offer["id"]), "quantity": "1"})
    assert response.status_code == 403
    assert await CartLine.count() == before
