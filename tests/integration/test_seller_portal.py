"""The seller portal through HTTP: who gets in, what a seller sees, and what each action changes.

Each test makes its own sellers (one offer each, on a variant of the demo catalogue), its own seller
users and buyer, and paid orders through the same functions checkout uses; everything is deleted
afterwards and the touched product reindexed, so the shared store is as it was.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from search_index.query import SearchQuery
from storefront.accounts import sessions
from storefront.accounts.passwords import hash_password
from storefront.accounts.tables import Account
from storefront.cart import service as carts
from storefront.catalog.tables import Variant
from storefront.mail.tables import OutboxEmail
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import Order, SellerOrder
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry
from storefront.sellers import figures
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from storefront.strategy import variant_title
from tests.integration.ledger_reading import order_money

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
PASSWORD_HASH = hash_password("correct horse battery")  # argon2 is slow on purpose: hash once
PRICE_CENTS, SHIPPING_CENTS = 20_000, 485  # a seller order of €204.85: its 10 % commission is €20.485, so €20.49


@dataclass
class Shop:
    """Builds the sellers, offers and accounts one test needs, on the test's own copy of the store."""

    settings: Settings
    drainer: OutboxDrainer
    sellers: list[int] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    variants: set[int] = field(default_factory=set)

    async def seller(self, *, defect_rate_bp: int | None = 300) -> dict:
        """A referenced seller with one offer, in a grade its variant has no other offer in: the offer is then
        that grade's featured one, which every search document carries."""
        tag = uuid.uuid4().hex[:8]
        seller = Seller(name=f"Portal Test {tag}", slug=f"portal-test-{tag}", legal_name=f"Portal Test {tag} SAS",
                        email=f"seller-{tag}@example.com", status="referenced", self_certified=True,
                        joined_at=dt.datetime.now(dt.UTC), rating_x100=450, rating_count=12,
                        defect_rate_bp=defect_rate_bp, wrong_item_rate_bp=100, cosmetic_rate_bp=150,
                        late_delivery_rate_bp=200)
        await seller.save()
        self.sellers.append(seller.id)
        self.emails.append(seller.email)
        variant, grade = await _variant_missing_a_grade()
        offer = Offer(seller=seller.id, variant=variant, grade=grade, price_cents=PRICE_CENTS,
                      shipping_cents=SHIPPING_CENTS, stock=100, delivery_days=3, warranty_months=12,
                      payment_means="card", status="active", updated_at=dt.datetime.now(dt.UTC))
        await offer.save()
        self.variants.add(variant)
        return {"id": seller.id, "offer": offer.id, "variant": variant}

    async def account(self, role: str = "shopper", seller_id: int | None = None) -> dict:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        account = Account(email=email, name="Camille Martin", password_hash=PASSWORD_HASH,
                          role=role, seller=seller_id, created_at=dt.datetime.now(dt.UTC))
        await account.save()
        self.accounts.append(account.id)
        self.emails.append(email)
        return {"id": account.id, "email": email}

    async def paid_order(self, buyer: dict, offer_id: int, quantity: int = 1) -> dict:
        """A checkout of one offer, paid: the seller order waits for the seller ("pending")."""
        cart = await carts.create_cart(buyer["id"])
        await carts.add(cart, offer_id, quantity)
        placed = await place_order(cart_id=cart, account_id=buyer["id"], payment_means="card",
                                   address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                                   idempotency_key=uuid.uuid4().hex, settings=self.settings)
        await self.drainer.drain()
        await transitions.payment_succeeded(placed.order_id, self.settings)
        seller_order = await SellerOrder.select().where(SellerOrder.order == placed.order_id).first()
        return {**seller_order, "reference": placed.reference, "order_id": placed.order_id}


async def _variant_missing_a_grade() -> tuple[int, str]:
    for variant in await Variant.select(Variant.id).order_by(Variant.id).limit(50):
        grades = {o["grade"] for o in await Offer.select(Offer.grade).where(Offer.variant == variant["id"])}
        if grades and (missing := [g for g in ("premium", "excellent", "good", "fair") if g not in grades]):
            return variant["id"], missing[0]
    raise AssertionError("every variant has an offer in every grade")


@pytest.fixture
async def shop(prepared_store: Settings, backend) -> Shop:
    return Shop(prepared_store, OutboxDrainer(backend, prepared_store.ranking))


async def sign_in(client: AsyncTestClient, account_id: int) -> None:
    token, _ = await sessions.create(account_id=account_id)
    client.cookies.set("encore_session", token)


async def seller_signed_in(shop: Shop, client: AsyncTestClient, **seller_options) -> dict:
    seller = await shop.seller(**seller_options)
    await sign_in(client, (await shop.account("seller", seller["id"]))["id"])
    return seller


async def post_form(client: AsyncTestClient, page: str, action: str, data: dict | None = None):
    """GET the page a seller would use, then POST its form with the CSRF token it carries."""
    match = CSRF.search((await client.get(page)).text)
    assert match, f"{page} has no CSRF field"
    return await client.post(action, data={"_csrf": match.group(1), **(data or {})})


async def status_of(seller_order_id: int) -> str:
    return (await SellerOrder.select(SellerOrder.status).where(SellerOrder.id == seller_order_id).first())["status"]


async def commissions_of(seller_order_id: int) -> list[int]:
    entries = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.transaction == f"com:{seller_order_id}") & (LedgerEntry.account == ledger.SELLER))
    return [e["amount_cents"] for e in entries]


def text_of(html: str) -> str:
    """The page's words without tags, spaces collapsed: what a person reads."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# Who gets in


@pytest.mark.parametrize("path", ["/seller/", "/seller/orders?status=pending", "/seller/orders/1",
                                  "/seller/statements", "/seller/statements/2026-01"])
async def test_anonymous_visitors_are_sent_to_sign_in_and_back(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/seller")
    assert "set-cookie" not in response.headers


async def test_a_shopper_gets_a_403_page(client: AsyncTestClient, shop: Shop) -> None:
    await sign_in(client, (await shop.account("shopper"))["id"])
    response = await client.get("/seller/")
    assert response.status_code == 403
    assert "open only to the accounts of professional sellers" in response.text


async def test_a_seller_cannot_see_or_act_on_another_sellers_order(client: AsyncTestClient, shop: Shop) -> None:
    await seller_signed_in(shop, client)
    other = await shop.seller()
    theirs = await shop.paid_order(await shop.account(), other["offer"])

    assert (await client.get(f"/seller/orders/{theirs['id']}")).status_code == 404
    response = await post_form(client, "/seller/", f"/seller/orders/{theirs['id']}/accept")
    assert response.status_code == 404
    assert await status_of(theirs["id"]) == "pending"
    assert await commissions_of(theirs["id"]) == []
    assert theirs["reference"] not in (await client.get("/seller/orders")).text


# Acting on an order


async def test_accepting_records_a_10_percent_commission_rounded_half_up(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])
    assert order["total_cents"] == 20_485

    response = await post_form(client, f"/seller/orders/{order['id']}", f"/seller/orders/{order['id']}/accept")

    assert response.status_code == 200 and response.url.path == f"/seller/orders/{order['id']}"
    assert await commissions_of(order["id"]) == [2_049]
    page = text_of(response.text)
    assert "Confirmed" in page and "Commission −€20.49" in page


async def test_refusing_refunds_the_buyer_and_puts_the_stock_back(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    stock_before = (await Offer.select(Offer.stock).where(Offer.id == seller["offer"]).first())["stock"]
    order = await shop.paid_order(await shop.account(), seller["offer"], quantity=2)

    response = await post_form(client, f"/seller/orders/{order['id']}", f"/seller/orders/{order['id']}/refuse",
                               {"reason": "The battery failed our final test."})

    assert response.status_code == 200
    assert (await Offer.select(Offer.stock).where(Offer.id == seller["offer"]).first())["stock"] == stock_before
    money = await order_money(order["order_id"])
    paid = (await Order.select(Order.total_cents).where(Order.id == order["order_id"]).first())["total_cents"]
    assert money.refunded_cents == paid, "the whole order was this seller's: everything comes back"
    assert money.accounted_for
    assert "The battery failed our final test." in text_of(response.text)


async def test_shipping_needs_a_carrier_and_a_tracking_number(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=shop.settings)
    page, action = f"/seller/orders/{order['id']}", f"/seller/orders/{order['id']}/ship"

    missing = await post_form(client, page, action, {"carrier": "Colissimo", "tracking_number": "  "})
    assert missing.status_code == 400
    assert "Give the carrier and the tracking number." in missing.text
    assert 'value="Colissimo"' in missing.text, "what the seller typed is kept"
    assert await status_of(order["id"]) == "accepted"

    shipped = await post_form(client, page, action, {"carrier": "Colissimo", "tracking_number": "6A123456789"})
    assert shipped.status_code == 200
    assert "Colissimo, tracking 6A123456789" in text_of(shipped.text)


async def test_delivering_after_the_promised_date_records_a_late_delivery(client: AsyncTestClient,
                                                                          shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=shop.settings)
    await transitions.ship(order["id"], seller_id=seller["id"], carrier="DPD", tracking_number="D1",
                           settings=shop.settings)
    await SellerOrder.update({SellerOrder.promised_delivery_date: dt.date.today() - dt.timedelta(days=2)}).where(
        SellerOrder.id == order["id"])

    response = await post_form(client, f"/seller/orders/{order['id']}", f"/seller/orders/{order['id']}/deliver")

    assert response.status_code == 200
    row = await SellerOrder.select(SellerOrder.status, SellerOrder.delivered_late).where(
        SellerOrder.id == order["id"]).first()
    assert row == {"status": "delivered", "delivered_late": True}
    assert "late delivery" in response.text


async def test_accepting_twice_answers_400_with_a_clear_message(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])
    page, action = f"/seller/orders/{order['id']}", f"/seller/orders/{order['id']}/accept"
    token = CSRF.search((await client.get(page)).text).group(1)  # two tabs opened before the first click

    first = await client.post(action, data={"_csrf": token})
    second = await client.post(action, data={"_csrf": token})

    assert first.status_code == 200 and second.status_code == 400
    assert "already “Confirmed by the seller”" in text_of(second.text)
    assert await commissions_of(order["id"]) == [2_049], "one commission, not two"


async def test_the_order_page_gives_the_full_delivery_address_but_not_the_buyers_email(client: AsyncTestClient,
                                                                                      shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    buyer = await shop.account()
    order = await shop.paid_order(buyer, seller["offer"])
    await Order.update({Order.delivery_line2: "Bâtiment B, 2e étage", Order.delivery_phone: "+33 6 12 34 56 78"}).where(
        Order.id == order["order_id"])

    page = text_of((await client.get(f"/seller/orders/{order['id']}")).text)

    assert ("Deliver to Camille Martin 3 rue des Lilas Bâtiment B, 2e étage 69003 Lyon France "
            "Phone: +33 6 12 34 56 78") in page
    assert buyer["email"] not in page


async def test_a_post_without_its_csrf_token_is_refused(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])

    response = await client.post(f"/seller/orders/{order['id']}/accept", data={})

    assert response.status_code == 403
    assert await status_of(order["id"]) == "pending"


async def test_a_proposal_shows_on_the_order_and_emails_the_buyer(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    buyer = await shop.account()
    order = await shop.paid_order(buyer, seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=shop.settings)
    claim_id = await transitions.open_claim(order["id"], account_id=buyer["id"], reason="cosmetic",
                                            message="A scratch on the screen.", settings=shop.settings)
    await shop.drainer.drain()

    response = await post_form(client, f"/seller/orders/{order['id']}", f"/seller/claims/{claim_id}/propose",
                               {"resolution": "repair", "amount": "",
                                "message": "Sorry about that: we replace the screen protector."})

    assert response.status_code == 200 and response.url.path == f"/seller/orders/{order['id']}"
    assert "we replace the screen protector." in text_of(response.text)
    assert await OutboxEmail.exists().where((OutboxEmail.to_address == buyer["email"])
                                            & (OutboxEmail.kind == "claim_proposal"))


async def test_an_empty_proposal_message_comes_back_with_its_message(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    buyer = await shop.account()
    order = await shop.paid_order(buyer, seller["offer"])
    claim_id = await transitions.open_claim(order["id"], account_id=buyer["id"], reason="other",
                                            message="Where is the charger?", settings=shop.settings)
    await shop.drainer.drain()

    response = await post_form(client, f"/seller/orders/{order['id']}", f"/seller/claims/{claim_id}/propose",
                               {"resolution": "replacement", "message": "   "})

    assert response.status_code == 400
    assert "Tell the buyer what you propose and why." in response.text


# Lists, statements, figures


async def test_the_orders_list_filters_by_status(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    buyer = await shop.account()
    waiting, confirmed = (await shop.paid_order(buyer, seller["offer"]), await shop.paid_order(buyer, seller["offer"]))
    await transitions.accept(confirmed["id"], seller_id=seller["id"], settings=shop.settings)

    page = (await client.get("/seller/orders", params={"status": "pending"})).text

    assert waiting["reference"] in page and confirmed["reference"] not in page


async def test_each_order_row_counts_its_items(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    buyer = await shop.account()
    order = await shop.paid_order(buyer, seller["offer"], quantity=2)

    page = (await client.get("/seller/orders")).text
    row = page[page.index(order["reference"]):].split("</tr>")[0]

    assert "built-in method" not in page
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[0] == "2"


async def test_htmx_gets_only_the_orders_list(client: AsyncTestClient, shop: Shop) -> None:
    await seller_signed_in(shop, client)

    full = await client.get("/seller/orders?status=pending")
    fragment = await client.get("/seller/orders?status=pending", headers={"HX-Request": "true"})

    assert "<html" in full.text and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="seller-orders"')
    assert "HX-Request" in fragment.headers["vary"].split(",")


async def test_the_orders_list_is_paged_newest_first(client: AsyncTestClient, shop: Shop,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from storefront.web import seller_portal

    monkeypatch.setattr(seller_portal, "ORDERS_PER_PAGE", 1)  # two orders make two pages without 26 checkouts
    seller = await seller_signed_in(shop, client)
    buyer = await shop.account()
    older, newer = (await shop.paid_order(buyer, seller["offer"]), await shop.paid_order(buyer, seller["offer"]))

    first, second = (await client.get("/seller/orders")).text, (await client.get("/seller/orders?page=2")).text

    assert newer["reference"] in first and older["reference"] not in first
    assert older["reference"] in second and newer["reference"] not in second
    assert 'rel="next" href="/seller/orders?page=2"' in first


async def test_the_monthly_statement_lists_the_sale_and_its_commission(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=shop.settings)
    today = dt.datetime.now(dt.UTC).date()

    response = await client.get(f"/seller/statements/{today:%Y-%m}")

    page = text_of(response.text)
    assert response.status_code == 200
    assert order["reference"] in page
    assert "Sales (1) €204.85" in page and "−€20.49" in page
    assert "The monthly flat fee of €50.00 is due" in page
    assert "Owed to you at the end of the month €184.36" in page


async def test_a_month_without_sales_has_nothing_booked(client: AsyncTestClient, shop: Shop) -> None:
    await seller_signed_in(shop, client)

    statements = await client.get("/seller/statements", follow_redirects=False)
    page = text_of((await client.get(statements.headers["location"])).text)

    assert statements.status_code == 303
    assert "Nothing was booked in your account this month." in page
    assert "Owed to you at the end of the month €0.00" in page


async def test_a_refused_order_is_a_sale_and_its_refund(client: AsyncTestClient, shop: Shop) -> None:
    seller = await seller_signed_in(shop, client)
    order = await shop.paid_order(await shop.account(), seller["offer"])
    await transitions.refuse(order["id"], seller_id=seller["id"], settings=shop.settings)
    await shop.drainer.drain()

    page = text_of((await client.get(f"/seller/statements/{dt.datetime.now(dt.UTC):%Y-%m}")).text)

    movements = page.split("Movements", 1)[1]
    assert "Sale" in movements and "Refund to the buyer" in movements and order["reference"] in movements
    assert "Refunds to buyers (1) −€204.85" in page
    assert "Owed to you at the end of the month €0.00" in page


async def test_figures_are_computed_from_enough_deliveries_and_reach_search(client: AsyncTestClient, shop: Shop,
                                                                           backend) -> None:
    seller = await seller_signed_in(shop, client, defect_rate_bp=300)
    buyer = await shop.account()
    assert "No figures yet" in (await client.get("/seller/")).text
    delivered = []
    for _ in range(figures.MIN_DELIVERED_ORDERS):
        order = await shop.paid_order(buyer, seller["offer"])
        await transitions.accept(order["id"], seller_id=seller["id"], settings=shop.settings)
        await transitions.ship(order["id"], seller_id=seller["id"], carrier="DPD", tracking_number="D1",
                               settings=shop.settings)
        await transitions.deliver(order["id"], seller_id=seller["id"], settings=shop.settings)
        await shop.drainer.drain()
        delivered.append(order)
    # One defective product in 20 delivered orders: 5.0 %.
    await transitions.open_claim(delivered[0]["id"], account_id=buyer["id"], reason="defective",
                                 message="It does not turn on.", settings=shop.settings)
    await shop.drainer.drain()

    dashboard = text_of((await client.get("/seller/")).text)
    assert f"Computed from your {figures.MIN_DELIVERED_ORDERS} delivered orders" in dashboard
    assert "Defective products 5.0 %" in dashboard
    variant = await Variant.select(Variant.id, Variant.model.name, Variant.model.brand.name.as_alias("brand"),
                                   Variant.storage_gb, Variant.color).where(Variant.id == seller["variant"]).first()
    title = variant_title(variant["brand"], variant["model.name"], variant["storage_gb"], variant["color"])
    hits = backend.search(SearchQuery(text=title, per_page=50)).hits
    offers = [o for hit in hits if hit["id"] == seller["variant"] for o in hit["offers"]]
    assert [o["defect_rate"] for o in offers if o["offer_id"] == seller["offer"]] == [0.05]
