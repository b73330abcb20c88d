"""My orders through HTTP: the buyer's list, one order with its history and rights, and "Get help" (claims).

Orders are placed and paid the way the shop does it (cart, `place_order`, a signed sandbox notification) and
moved along with the seller's transitions.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.accounts import sessions
from storefront.accounts.passwords import hash_password
from storefront.accounts.tables import Account
from storefront.cart import service as carts
from storefront.mail.tables import OutboxEmail
from storefront.orders import claims, transitions
from storefront.orders.claims import ProposalInput
from storefront.orders.history import add_months
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import Claim, SellerOrder
from storefront.orders.transitions import CLAIM_REASONS, MAX_CLAIM_MESSAGE
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from storefront.web.viewer import SESSION_COOKIE

HX = {"HX-Request": "true"}


@dataclass
class Buyer:
    id: int
    token: str


@dataclass
class PlacedForTest:
    reference: str
    total_cents: int
    seller_orders: list[dict]  # id, seller, status


async def new_buyer() -> Buyer:
    account = Account(email=f"buyer-{uuid.uuid4().hex[:10]}@example.com", name="Camille Buyer",
                      password_hash=hash_password("correct horse battery"), role="shopper",
                      created_at=dt.datetime.now(dt.UTC))
    await account.save()
    token, _ = await sessions.create(account_id=account.id)
    return Buyer(account.id, token)


def signed_in_as(client: AsyncTestClient, buyer: Buyer) -> AsyncTestClient:
    client.cookies.set(SESSION_COOKIE, buyer.token)
    return client


async def offers_of_different_sellers(count: int) -> list[dict]:
    offers = await Offer.select(Offer.id, Offer.seller, Offer.variant).where(
        (Offer.stock >= 5) & (Offer.status == "active") & Offer.payment_means.like("%card%")
        & Offer.seller.is_in(Seller.select(Seller.id).where(Seller.status == "referenced"))
    ).order_by(Offer.id).limit(200)
    return list({o["seller"]: o for o in offers}.values())[:count]


async def placed_order(buyer: Buyer, settings: Settings, backend, *, sellers: int = 1,
                       paid: bool = True) -> PlacedForTest:
    """An order from `sellers` different sellers, one item each, paid through the sandbox by default."""
    chosen = await offers_of_different_sellers(sellers)
    cart = await carts.create_cart(buyer.id)
    for offer in chosen:
        await carts.add(cart, offer["id"], 1)
    drainer = OutboxDrainer(backend, settings.ranking)
    placed = await place_order(cart_id=cart, account_id=buyer.id, address=DeliveryAddress(
        "Camille Buyer", "1 rue de la Paix", "75002", "Paris"), payment_means="card",
        idempotency_key=uuid.uuid4().hex, settings=settings)
    await drainer.drain()
    if paid:
        provider = SandboxProvider(settings.payment_webhook_secret)
        body, signature = provider.notification(event_id=f"evt_{uuid.uuid4().hex}", succeeded=True,
                                                payment_reference=placed.payment_reference,
                                                amount_cents=placed.total_cents, currency="EUR")
        assert await handle_notification(body, signature, provider=provider, settings=settings) == "paid"
        await drainer.drain()
    seller_orders = await SellerOrder.select(SellerOrder.id, SellerOrder.seller, SellerOrder.status).where(
        SellerOrder.order == placed.order_id).order_by(SellerOrder.id)
    return PlacedForTest(placed.reference, placed.total_cents, seller_orders)


async def shipped(order: PlacedForTest, settings: Settings, tracking: str = "6A12345678901") -> dict:
    part = order.seller_orders[0]
    await transitions.accept(part["id"], seller_id=part["seller"], settings=settings)
    await transitions.ship(part["id"], seller_id=part["seller"], carrier="Colissimo", tracking_number=tracking,
                           settings=settings)
    return part


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def ask_for_help(client: AsyncTestClient, reference: str, seller_order_id: int, *, reason: str = "defective",
                       message: str = "The screen stays black.", headers: dict | None = None):
    page = await client.get(f"/account/orders/{reference}")
    return await client.post(f"/account/orders/{reference}/help", headers=headers, follow_redirects=False, data={
        "_csrf": csrf_of(page.text), "seller_order_id": str(seller_order_id), "reason": reason, "message": message})


def textarea_value(html: str) -> str:
    match = re.search(r'<textarea[^>]*name="message"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "no message field"
    return unescape(match.group(1))


def deadline(html: str, name: str) -> str:
    match = re.search(rf'data-deadline="{name}" datetime="([\d-]+)"', html)
    assert match, f"no {name} date on the page"
    return match.group(1)


async def claims_on(seller_order_id: int) -> list[dict]:
    return await Claim.select().where(Claim.seller_order == seller_order_id)


# Month-end arithmetic -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2024, 2, 29), 24, dt.date(2026, 2, 28)),
    (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),
    (dt.date(2025, 8, 31), 1, dt.date(2025, 9, 30)),
    (dt.date(2025, 11, 15), 3, dt.date(2026, 2, 15)),
    (dt.date(2025, 12, 31), 2, dt.date(2026, 2, 28)),
    (dt.date(2025, 3, 10), 24, dt.date(2027, 3, 10)),
])
def test_adding_months_keeps_the_day_or_falls_back_to_the_months_last_day(start, months, expected) -> None:
    assert add_months(start, months) == expected


# Who may see what ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/account/orders", "/account/orders/EN-ANYTHING"])
async def test_anonymous_visitors_are_sent_to_sign_in_and_back(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_the_list_shows_the_buyers_paid_order_with_its_reference_and_total(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend, sellers=2)
    response = await signed_in_as(client, buyer).get("/account/orders")
    assert response.status_code == 200
    card = response.text.split(f"Order {order.reference}</a>", 1)[1].split("</li>\n  <li", 1)[0]
    assert f"€{order.total_cents // 100:,}.{order.total_cents % 100:02d}" in card
    assert ">Paid<" in card


async def test_another_buyers_order_is_not_found(client: AsyncTestClient, settings: Settings, backend) -> None:
    owner, intruder = await new_buyer(), await new_buyer()
    order = await placed_order(owner, settings, backend)
    response = await signed_in_as(client, intruder).get(f"/account/orders/{order.reference}")
    assert response.status_code == 404
    assert order.reference not in response.text


async def test_another_buyers_claim_attempt_changes_nothing(client: AsyncTestClient, settings: Settings,
                                                            backend) -> None:
    owner, intruder = await new_buyer(), await new_buyer()
    theirs = await placed_order(owner, settings, backend)
    mine = await placed_order(intruder, settings, backend)
    signed_in_as(client, intruder)
    victim_part = theirs.seller_orders[0]["id"]
    token = csrf_of((await client.get("/account/orders")).text)
    on_their_order = await client.post(f"/account/orders/{theirs.reference}/help", data={
        "_csrf": token, "seller_order_id": str(victim_part), "reason": "other", "message": "Refund me"})
    through_my_order = await ask_for_help(client, mine.reference, victim_part, reason="other", message="Refund me")
    assert on_their_order.status_code == through_my_order.status_code == 404
    assert await claims_on(victim_part) == []


# The order page -----------------------------------------------------------------------------------------------

async def test_the_order_shows_each_seller_orders_status_history_in_order(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    await shipped(order, settings)
    html = (await signed_in_as(client, buyer).get(f"/account/orders/{order.reference}")).text
    timeline = html.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    steps = re.findall(r"<strong>(.*?)</strong>", timeline)
    assert steps == ["Waiting for payment", "Waiting for the seller", "Confirmed by the seller", "Shipped"]


async def test_the_tracking_number_appears_once_shipped(client: AsyncTestClient, settings: Settings,
                                                        backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    signed_in_as(client, buyer)
    before = (await client.get(f"/account/orders/{order.reference}")).text
    await shipped(order, settings, tracking="6A99887766554")
    after = (await client.get(f"/account/orders/{order.reference}")).text
    assert "6A99887766554" not in before
    assert "Colissimo" in after and '<span class="tracking">6A99887766554</span>' in after


async def test_before_delivery_the_rights_are_said_to_start_at_delivery(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    html = (await signed_in_as(client, buyer).get(f"/account/orders/{order.reference}")).text
    assert "start on the day it is delivered" in html
    assert "data-deadline" not in html


async def test_after_delivery_the_guarantee_and_withdrawal_end_dates_count_from_delivery(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    part = await shipped(order, settings)
    await transitions.deliver(part["id"], seller_id=part["seller"], settings=settings)
    delivered_at = (await SellerOrder.select(SellerOrder.delivered_at).where(SellerOrder.id == part["id"]).first())[
        "delivered_at"]
    delivered_on = delivered_at.astimezone(dt.UTC).date()
    html = (await signed_in_as(client, buyer).get(f"/account/orders/{order.reference}")).text
    assert deadline(html, "legal-guarantee") == add_months(delivered_on, 24).isoformat()
    assert deadline(html, "withdrawal") == (delivered_on + dt.timedelta(days=14)).isoformat()


async def test_a_sellers_proposal_on_a_claim_is_shown_under_it(client: AsyncTestClient, settings: Settings,
                                                             backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    part = order.seller_orders[0]
    claim_id = await transitions.open_claim(part["id"], account_id=buyer.id, reason="not_received",
                                            message="Where is it?", settings=settings)
    await claims.propose(claim_id, ProposalInput("replacement", "", "It leaves our workshop today."),
                         seller_id=part["seller"], settings=settings)
    html = (await signed_in_as(client, buyer).get(f"/account/orders/{order.reference}")).text
    assert "Where is it?" in html and "It leaves our workshop today." in html and "Replacement" in html


# Get help -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", list(CLAIM_REASONS))
async def test_a_claim_for_each_reason_reaches_the_seller(client: AsyncTestClient, settings: Settings, backend,
                                                          reason: str) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    part = order.seller_orders[0]
    seller_email = (await Seller.select(Seller.email).where(Seller.id == part["seller"]).first())["email"]
    mails_before = await OutboxEmail.count().where(
        (OutboxEmail.to_address == seller_email) & (OutboxEmail.kind == "claim_opened"))
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, part["id"], reason=reason,
                                  message=f"About my order: {reason}.")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/account/orders/{order.reference}?help_sent={part['id']}")
    page = await client.get(response.headers["location"])
    assert f"About my order: {reason}." in page.text and CLAIM_REASONS[reason] in page.text
    assert [(c["reason"], c["status"]) for c in await claims_on(part["id"])] == [(reason, "open")]
    assert await OutboxEmail.count().where(
        (OutboxEmail.to_address == seller_email) & (OutboxEmail.kind == "claim_opened")) == mails_before + 1


async def test_with_htmx_the_help_block_is_swapped_with_the_new_claim(client: AsyncTestClient, settings: Settings,
                                                                      backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, order.seller_orders[0]["id"],
                                  message="Arrived with a cracked corner.", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'class="help-block"' in response.text
    assert "Arrived with a cracked corner." in response.text and 'role="status"' in response.text


@pytest.mark.parametrize(("reason", "message", "field"), [
    ("defective", "   ", "message"),
    ("broken-by-the-courier", "The box was crushed and the phone too.", "reason"),
])
async def test_an_empty_message_or_an_unknown_reason_is_refused_and_the_message_kept(
        client: AsyncTestClient, settings: Settings, backend, reason: str, message: str, field: str) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    part = order.seller_orders[0]["id"]
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, part, reason=reason, message=message)
    assert response.status_code == 400
    assert "<html" in response.text and '<details class="get-help" open>' in response.text
    assert f'id="help-{part}-{field}-error"' in response.text
    assert textarea_value(response.text) == message
    assert await claims_on(part) == []


async def test_a_message_over_the_limit_is_refused(client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    part = order.seller_orders[0]["id"]
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, part,
                                  message="x" * (MAX_CLAIM_MESSAGE + 1))
    assert response.status_code == 400
    assert f"Keep the message to {MAX_CLAIM_MESSAGE:,} characters or fewer" in response.text
    assert await claims_on(part) == []


async def test_htmx_gets_the_form_back_with_its_error(client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, order.seller_orders[0]["id"],
                                  message="", headers=HX)
    assert response.status_code == 422
    assert "<html" not in response.text and "Tell the seller what happened." in response.text


async def test_a_claim_on_an_order_not_yet_paid_is_refused_with_a_reason(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend, paid=False)
    part = order.seller_orders[0]["id"]
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, part, message="Where is it?")
    assert response.status_code == 400
    assert "This order is not paid yet" in response.text
    assert await claims_on(part) == []


async def test_a_claim_without_the_csrf_token_is_forbidden(client: AsyncTestClient, settings: Settings,
                                                           backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    part = order.seller_orders[0]["id"]
    response = await signed_in_as(client, buyer).post(f"/account/orders/{order.reference}/help", data={
        "seller_order_id": str(part), "reason": "defective", "message": "Broken."})
    assert response.status_code == 403
    assert await claims_on(part) == []


async def test_markup_in_a_claim_message_is_shown_as_text(client: AsyncTestClient, settings: Settings,
                                                          backend) -> None:
    buyer = await new_buyer()
    order = await placed_order(buyer, settings, backend)
    markup = '<script>alert("x")</script><b>bold</b>'
    response = await ask_for_help(signed_in_as(client, buyer), order.reference, order.seller_orders[0]["id"],
                                  message=markup)
    page = (await client.get(response.headers["location"])).text
    assert markup not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


async def test_a_part_refused_by_its_seller_shows_as_refunded(client: AsyncTestClient, settings: Settings,
                                                               backend) -> None:
    buyer = await new_buyer()
    first, second = await offers_of_different_sellers(2)
    await Offer.update({Offer.price_cents: 53_400, Offer.shipping_cents: 0}).where(Offer.id == first["id"])
    await Offer.update({Offer.price_cents: 58_299, Offer.shipping_cents: 0}).where(Offer.id == second["id"])
    order = await placed_order(buyer, settings, backend, sellers=2)
    refused = next(so for so in order.seller_orders if so["seller"] == second["seller"])
    await transitions.refuse(refused["id"], seller_id=refused["seller"], settings=settings)

    detail = (await signed_in_as(client, buyer).get(f"/account/orders/{order.reference}")).text
    listing = (await client.get("/account/orders")).text

    # €534.00 + €582.99 + the €7.99 fee ceiling = €1,124.98 paid; the refused part, €582.99, came back.
    assert "€1,124.98" in detail and "Refunded to you" in detail and "−€582.99" in detail
    assert "Paid after refunds" in detail and "€541.99" in detail
    assert "€582.99 refunded" in listing
