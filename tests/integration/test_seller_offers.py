"""The seller's offers in the portal through HTTP (/seller/offers): listing, searching, filtering, sorting and
paging them; creating one for a catalogue variant; changing, pausing, resuming and deleting one; and what
the product page, search and a buyer's cart show once a change is committed.

Each test makes its own seller (storefront's `exclusive_seller`: one product no one else offers) and signs
in as that seller's user; offers are arranged through the listing service, the same one the portal calls.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from html import unescape
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from search_index.backends import SearchBackend
from search_index.drain import OutboxDrainer
from search_index.query import SearchQuery
from storefront.accounts import sessions
from storefront.app import create_app
from storefront.cart import service as carts
from storefront.catalog.tables import Variant
from storefront.sellers import listings
from storefront.sellers.listings import OfferFields
from storefront.sellers.price_to_win import featured_offer_ids, featured_status
from storefront.sellers.tables import Offer, OfferPrice
from tests.integration.commerce import csrf_from, make_account, post_form, sign_in
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller, reindex
from tests.integration.test_valid_html import VNU

FORM = {"sku": "WALK-64-GD", "grade": "good", "price": "119.00", "stock": "3", "shipping": "4.90",
        "delivery_days": "2", "warranty_months": "12", "battery_health_pct": "91", "new_battery": "no",
        "payment_means": ["card", "paypal"], "condition_note": "Light marks on the back."}


async def variant_of(shop: ExclusiveSeller) -> int:
    return (await Variant.select(Variant.id).where(Variant.slug == shop.slug).first())["id"]


async def demo_variant(offset: int = 0) -> dict:
    """A variant of the demo catalogue with an EAN, and the names a seller would search it by."""
    return await Variant.select(
        Variant.id, Variant.ean, Variant.slug, Variant.model._.name.as_alias("model_name")
    ).where(Variant.ean.is_not_null() & (Variant.ean != "")).order_by(Variant.id).offset(offset).first()


def offer(variant_id: int, sku: str, **changes: object) -> OfferFields:
    values: dict = {"sku": sku, "variant_id": variant_id, "grade": "excellent", "price_cents": 11_900, "stock": 3,
                    "warranty_months": 12, "battery_health_pct": 90, "payment_means": ("card",)}
    values.update(changes)
    return OfferFields(**values)  # type: ignore[arg-type]


async def signed_in_seller(client: AsyncTestClient, status: str = "referenced") -> ExclusiveSeller:
    shop = await exclusive_seller(status)
    await sign_in(client, shop.account_id)
    client.follow_redirects = False
    return shop


@pytest.fixture
async def shop(client: AsyncTestClient) -> ExclusiveSeller:
    """A referenced seller, signed in on the test client, with the one offer `exclusive_seller` gives it
    (no SKU, €129.00, grade excellent, 4 in stock)."""
    return await signed_in_seller(client)


def skus_listed(html: str) -> list[str]:
    """The SKU cells of the offers list, in the order shown."""
    return re.findall(r'<td data-label="SKU">([^<]*)</td>', html)


async def page(client: AsyncTestClient, path: str, **params: object) -> str:
    response = await client.get(path, params=params) if params else await client.get(path)
    assert response.status_code == 200, response.text[:500]
    return unescape(response.text)


def form_data(html: str, **changes: object) -> dict:
    return {"_csrf": csrf_from(html), **FORM, **changes}


def error_of(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="offer-{name}-error">([^<]*)</p>', html)
    assert match, f"no error next to {name}"
    return unescape(match.group(1))


# Who gets in


async def test_an_anonymous_visitor_is_sent_to_sign_in_and_a_shopper_is_refused(client: AsyncTestClient) -> None:
    client.follow_redirects = False
    response = await client.get("/seller/offers")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    shopper = await make_account()
    await sign_in(client, shopper["id"])
    assert (await client.get("/seller/offers")).status_code == 403
    assert (await client.get("/seller/offers/new")).status_code == 403


async def test_another_sellers_offer_answers_404_and_stays_as_it_was(client: AsyncTestClient) -> None:
    other = await exclusive_seller()
    theirs = await listings.create_offer(other.seller_id, offer(await variant_of(other), "THEIRS-1"))
    mine = await signed_in_seller(client)
    page_of_mine = (await client.get("/seller/offers")).text
    token = csrf_from(page_of_mine)
    assert (await client.get(f"/seller/offers/{theirs}")).status_code == 404
    assert (await client.get(f"/seller/offers/{theirs}/delete")).status_code == 404
    for action in ("", "/pause", "/resume", "/delete"):
        response = await client.post(f"/seller/offers/{theirs}{action}", data={"_csrf": token, **FORM,
                                                                               "confirm": "yes"})
        assert response.status_code == 404, action
    row = await Offer.select(Offer.status, Offer.price_cents).where(Offer.id == theirs).first()
    assert row == {"status": "active", "price_cents": 11_900}
    assert "THEIRS-1" not in page_of_mine and mine.product_name in page_of_mine


# The list


async def test_the_list_shows_each_offer_with_its_figures(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    variant = await demo_variant()
    await listings.create_offer(shop.seller_id, offer(variant["id"], "LIST-1", price_cents=24_950, stock=7,
                                                      grade="good"))
    html = await page(client, "/seller/offers")
    assert "2 offers" in html
    row = html[html.index("LIST-1"):].split("</tr>")[0]
    assert variant["ean"] in row and "€249.50" in row and '<td data-label="Stock" class="num">7</td>' in row
    assert "Good" in row and "On sale" in row
    for link in ('href="/seller/offers/new"', 'href="/seller/offers/import"',
                 'href="/seller/catalogue-requests/new"'):
        assert link in html


@pytest.mark.parametrize("search", ["sku", "ean", "model"])
async def test_a_seller_finds_an_offer_by_sku_ean_or_model(client: AsyncTestClient, shop: ExclusiveSeller,
                                                           search: str) -> None:
    wanted, other = await demo_variant(0), await demo_variant(40)
    await listings.create_offer(shop.seller_id, offer(wanted["id"], "FIND-ME-1"))
    await listings.create_offer(shop.seller_id, offer(other["id"], "OTHER-2"))
    text = {"sku": "find-me", "ean": wanted["ean"], "model": wanted["model_name"]}[search]
    assert skus_listed(await page(client, "/seller/offers", q=text)) == ["FIND-ME-1"]


async def test_a_storage_size_in_the_search_narrows_to_that_storage(client: AsyncTestClient,
                                                                     shop: ExclusiveSeller) -> None:
    await Offer.update({Offer.sku: "W-SIXTY-FOUR"}).where(Offer.seller == shop.seller_id)  # a 64 GB variant
    assert skus_listed(await page(client, "/seller/offers", q=f"{shop.product_name} 64")) == ["W-SIXTY-FOUR"]
    assert skus_listed(await page(client, "/seller/offers", q=f"{shop.product_name} 128GB")) == []


@pytest.mark.parametrize(("chosen", "listed"), [("on_sale", ["ON-SALE"]), ("paused", ["PAUSED"]),
                                                ("out_of_stock", ["NO-STOCK"]), ("removed", ["REMOVED"])])
async def test_each_state_filter_keeps_only_its_offers(client: AsyncTestClient, shop: ExclusiveSeller,
                                                       chosen: str, listed: list[str]) -> None:
    variant = (await demo_variant())["id"]
    await Offer.update({Offer.sku: "ON-SALE"}).where(Offer.seller == shop.seller_id)
    await listings.create_offer(shop.seller_id, offer(variant, "NO-STOCK", stock=0))
    await listings.pause_offer(shop.seller_id, await listings.create_offer(shop.seller_id, offer(variant, "PAUSED")))
    removed = await listings.create_offer(shop.seller_id, offer(variant, "REMOVED"))
    await Offer.update({Offer.status: "removed"}).where(Offer.id == removed)  # as the operator's measure does
    assert skus_listed(await page(client, "/seller/offers", status=chosen)) == listed


async def test_the_grade_filter_keeps_only_that_grade(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    variant = (await demo_variant())["id"]
    await listings.create_offer(shop.seller_id, offer(variant, "FAIR-1", grade="fair"))
    await listings.create_offer(shop.seller_id, offer(variant, "GOOD-1", grade="good"))
    assert skus_listed(await page(client, "/seller/offers", grade="fair")) == ["FAIR-1"]


async def test_offers_sort_by_price_either_way_and_by_sku(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    variant = (await demo_variant())["id"]
    await Offer.update({Offer.sku: "B-129"}).where(Offer.seller == shop.seller_id)  # €129.00
    await listings.create_offer(shop.seller_id, offer(variant, "C-099", price_cents=9_900))
    await listings.create_offer(shop.seller_id, offer(variant, "A-250", price_cents=25_000))
    assert skus_listed(await page(client, "/seller/offers", sort="price")) == ["C-099", "B-129", "A-250"]
    assert skus_listed(await page(client, "/seller/offers", sort="-price")) == ["A-250", "B-129", "C-099"]
    assert skus_listed(await page(client, "/seller/offers", sort="sku")) == ["A-250", "B-129", "C-099"]


async def test_offers_come_25_a_page_and_the_pager_keeps_the_filters(client: AsyncTestClient,
                                                                     shop: ExclusiveSeller) -> None:
    variant = (await demo_variant())["id"]
    await listings.apply_offers(shop.seller_id, [offer(variant, f"PAGE-{n:02d}", grade="fair") for n in range(27)])
    first = await page(client, "/seller/offers", grade="fair", sort="sku")
    assert "27 offers · page 1 of 2" in first and len(skus_listed(first)) == 25
    assert 'href="/seller/offers?grade=fair&sort=sku&page=2"' in first
    second = await page(client, "/seller/offers", grade="fair", sort="sku", page="2")
    assert skus_listed(second) == ["PAGE-25", "PAGE-26"]


async def test_an_htmx_request_gets_the_results_alone_and_the_page_varies_on_it(client: AsyncTestClient,
                                                                                shop: ExclusiveSeller) -> None:
    full = await client.get("/seller/offers")
    fragment = await client.get("/seller/offers", params={"q": shop.product_name}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<form" not in fragment.text
    assert shop.product_name in fragment.text and "1 offer" in fragment.text
    assert "<html" in full.text and 'id="results"' in full.text and 'data-hx-get="/seller/offers"' in full.text
    for response in (full, fragment):
        assert "HX-Request" in response.headers["vary"]


# Creating an offer


async def test_step_one_finds_catalogue_variants_by_name_or_ean(client: AsyncTestClient,
                                                              shop: ExclusiveSeller) -> None:
    variant = await demo_variant()
    by_ean = await page(client, "/seller/offers/new", q=variant["ean"])
    assert f'href="/seller/offers/new?variant={variant["id"]}"' in by_ean
    by_name = await page(client, "/seller/offers/new", q=shop.product_name)
    assert f'href="/seller/offers/new?variant={await variant_of(shop)}"' in by_name
    assert "No product of the catalogue matches" in await page(client, "/seller/offers/new", q="zzqq-none")
    assert (await client.get("/seller/offers/new", params={"variant": "2000000"})).status_code == 404


async def test_a_new_offer_goes_on_sale_and_its_page_says_so(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    variant = await variant_of(shop)
    form = await page(client, "/seller/offers/new", variant=str(variant))
    assert f'name="variant_id" value="{variant}"' in form and "Walkie" in form
    response = await client.post("/seller/offers/new", data=form_data(form, variant_id=str(variant)))
    assert response.status_code == 303
    created = await Offer.select().where((Offer.seller == shop.seller_id) & (Offer.sku == "WALK-64-GD")).first()
    assert response.headers["location"] == f"/seller/offers/{created['id']}?done=created"
    assert (created["grade"], created["price_cents"], created["shipping_cents"], created["payment_means"],
            created["battery_health_pct"], created["status"]) == ("good", 11_900, 490, "card,paypal", 91, "active")
    assert "Your offer is on sale." in await page(client, response.headers["location"])


async def test_a_pending_sellers_offer_waits_for_referencing(client: AsyncTestClient) -> None:
    shop = await signed_in_seller(client, status="pending")
    variant = await variant_of(shop)
    form = await page(client, "/seller/offers/new", variant=str(variant))
    response = await client.post("/seller/offers/new", data=form_data(form, variant_id=str(variant)))
    assert response.status_code == 303 and response.headers["location"].endswith("?done=created_pending")
    shown = await page(client, response.headers["location"])
    assert "It goes on sale once we reference your shop." in shown and "Waiting for referencing" in shown


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("price", "12,3,4", "Enter the price in euros, VAT included, like 249.00."),
    ("battery_health_pct", "72", "Every device we list keeps at least 80 % of its battery's capacity: enter 80 to "
                                 "100."),
    ("warranty_months", "6", "Give a commercial warranty of 12 to 60 months."),
    ("condition_note", "Looks like new, barely used", "A refurbished device may not be described as new: remove "
                                                      "“like new”. Naming a part that is new, such as “new battery”, "
                                                      "is fine."),
    ("sku", "IP 13", "Use letters, digits and . _ / - only, starting with a letter or digit (like IP13-128-BLK-A)."),
])
async def test_a_field_at_fault_gets_its_message_next_to_it_and_the_input_is_kept(
    client: AsyncTestClient, shop: ExclusiveSeller, field: str, typed: str, message: str
) -> None:
    variant = await variant_of(shop)
    form = await page(client, "/seller/offers/new", variant=str(variant))
    response = await client.post("/seller/offers/new", data=form_data(form, variant_id=str(variant), **{field: typed}))
    assert response.status_code == 400
    html = unescape(response.text)
    assert error_of(response.text, field) == message
    kept = {**FORM, field: typed}
    assert f'value="{kept["sku"]}"' in html and f'value="{kept["price"]}"' in html
    assert f'value="{kept["battery_health_pct"]}"' in html and f">{kept['condition_note']}</textarea>" in html
    assert 'value="good" checked' in html and 'value="paypal" checked' in html
    assert not await Offer.exists().where((Offer.seller == shop.seller_id) & (Offer.grade == "good"))


async def test_a_sku_the_seller_already_uses_is_refused_next_to_the_sku(client: AsyncTestClient,
                                                                       shop: ExclusiveSeller) -> None:
    variant = await variant_of(shop)
    await listings.create_offer(shop.seller_id, offer(variant, "WALK-64-GD"))
    form = await page(client, "/seller/offers/new", variant=str(variant))
    response = await client.post("/seller/offers/new", data=form_data(form, variant_id=str(variant)))
    assert response.status_code == 400
    assert error_of(response.text, "sku") == "You already have an offer with this SKU: give each offer its own."
    assert 'value="119.00"' in response.text


# Changing, pausing, resuming, deleting


async def test_a_change_is_saved_and_the_price_history_keeps_both_prices(client: AsyncTestClient,
                                                                         shop: ExclusiveSeller) -> None:
    offer_id = await listings.create_offer(shop.seller_id, offer(await variant_of(shop), "EDIT-1"))
    form = await page(client, f"/seller/offers/{offer_id}")
    assert 'value="EDIT-1"' in form and 'value="119.00"' in form and 'value="excellent" checked' in form
    response = await client.post(f"/seller/offers/{offer_id}", data={**form_data(form), "sku": "EDIT-1",
                                                                     "grade": "excellent", "price": "99.50"})
    assert response.status_code == 303 and response.headers["location"] == f"/seller/offers/{offer_id}?done=saved"
    shown = await page(client, response.headers["location"])
    assert "Your changes are saved." in shown
    history = shown[shown.index('id="price-history"'):].split("</table>")[0]
    assert re.findall(r'<td class="num">(€[\d.,]+)</td>', history) == ["€99.50", "€119.00"]
    prices = await OfferPrice.select(OfferPrice.price_cents).where(OfferPrice.offer == offer_id).order_by(OfferPrice.id)
    assert [p["price_cents"] for p in prices] == [11_900, 9_950]


async def test_a_price_change_keeps_the_units_ordered_since_the_form_opened(client: AsyncTestClient,
                                                                           shop: ExclusiveSeller) -> None:
    offer_id = await listings.create_offer(shop.seller_id, offer(await variant_of(shop), "EDIT-3"))
    def as_loaded(html: str, **changes: str) -> dict:
        # What the browser posts back: the offer as the page showed it, with the stock it showed.
        shown = re.search(r'name="stock_was" value="(\d+)"', html)
        assert shown, "the form carries the stock it showed"
        return {**form_data(html), "sku": "EDIT-3", "grade": "excellent", "stock": shown.group(1),
                "stock_was": shown.group(1), **changes}

    form = await page(client, f"/seller/offers/{offer_id}")
    await Offer.update({Offer.stock: Offer.stock - 1}).where(Offer.id == offer_id)  # an order meanwhile
    response = await client.post(f"/seller/offers/{offer_id}", data=as_loaded(form, price="99.00"))
    assert response.status_code == 303
    row = await Offer.select(Offer.stock, Offer.price_cents).where(Offer.id == offer_id).first()
    assert row == {"stock": 2, "price_cents": 9_900}
    # A new stock typed over units sold meanwhile: refused, and the form shows the stock as it is.
    form = await page(client, f"/seller/offers/{offer_id}")
    await Offer.update({Offer.stock: 1}).where(Offer.id == offer_id)
    response = await client.post(f"/seller/offers/{offer_id}", data=as_loaded(form, stock="7"))
    assert response.status_code == 400
    assert "it is now 1" in error_of(response.text, "stock")
    assert (await Offer.select(Offer.stock).where(Offer.id == offer_id).first())["stock"] == 1


async def test_a_refused_change_keeps_what_was_typed(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    offer_id = await listings.create_offer(shop.seller_id, offer(await variant_of(shop), "EDIT-2"))
    form = await page(client, f"/seller/offers/{offer_id}")
    response = await client.post(f"/seller/offers/{offer_id}", data={**form_data(form), "stock": "ten"})
    assert response.status_code == 400
    assert error_of(response.text, "stock") == "Enter how many you have ready to ship: a whole number, 0 to 9,999."
    assert 'value="ten"' in response.text
    assert (await Offer.select(Offer.stock).where(Offer.id == offer_id).first())["stock"] == 3


async def test_pause_resume_and_delete_with_its_confirmation(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    offer_id = await listings.create_offer(shop.seller_id, offer(await variant_of(shop), "STATE-1"))

    async def status() -> str:
        return (await Offer.select(Offer.status).where(Offer.id == offer_id).first())["status"]

    paused = await post_form(client, f"/seller/offers/{offer_id}", f"/seller/offers/{offer_id}/pause")
    assert paused.status_code == 303 and await status() == "paused"
    assert "The offer is paused" in await page(client, paused.headers["location"])
    resumed = await post_form(client, f"/seller/offers/{offer_id}", f"/seller/offers/{offer_id}/resume")
    assert resumed.status_code == 303 and await status() == "active"

    unconfirmed = await post_form(client, f"/seller/offers/{offer_id}/delete", f"/seller/offers/{offer_id}/delete")
    assert unconfirmed.status_code == 400 and await status() == "active"
    assert "Tick the box to confirm" in unconfirmed.text
    deleted = await post_form(client, f"/seller/offers/{offer_id}/delete", f"/seller/offers/{offer_id}/delete",
                              {"confirm": "yes"})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/seller/offers?done=deleted"
    assert await status() == "deleted"
    assert "The offer is deleted." in await page(client, deleted.headers["location"])
    assert (await client.get(f"/seller/offers/{offer_id}")).status_code == 404


async def test_an_offer_the_operator_removed_cannot_be_resumed(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    offer_id = await listings.create_offer(shop.seller_id, offer(await variant_of(shop), "GONE-1"))
    await Offer.update({Offer.status: "removed"}).where(Offer.id == offer_id)
    response = await post_form(client, f"/seller/offers/{offer_id}", f"/seller/offers/{offer_id}/resume")
    assert response.status_code == 400 and "Encore removed this offer" in unescape(response.text)


# What buyers see at commit


async def test_a_price_change_reaches_the_product_page_search_and_a_buyers_cart(
    client: AsyncTestClient, shop: ExclusiveSeller, backend: SearchBackend
) -> None:
    [row] = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id)
    offer_id = row["id"]
    shopper = await make_account()
    cart_id = await carts.create_cart(shopper["id"])
    await carts.add(cart_id, offer_id)

    form = await page(client, f"/seller/offers/{offer_id}")
    response = await client.post(f"/seller/offers/{offer_id}", data={
        **form_data(form), "sku": f"WALK-{uuid.uuid4().hex[:4]}", "grade": "excellent", "price": "99.00",
        "stock": "4", "shipping": "0"})
    assert response.status_code == 303

    product = await page(client, f"/p/{shop.slug}")
    assert "€99.00" in product and "€129.00" not in product
    [hit] = [h for h in backend.search(SearchQuery(text=shop.product_name)).hits if h["slug"] == shop.slug]
    assert hit["price"] == 9_900
    await sign_in(client, shopper["id"], cart_id)
    assert "The seller changed the price: now €99.00 instead of €129.00." in await page(client, "/cart")


async def test_a_paused_offer_leaves_the_product_page_and_search(client: AsyncTestClient, shop: ExclusiveSeller,
                                                                 backend: SearchBackend, drainer: OutboxDrainer
                                                                 ) -> None:
    await reindex(shop, drainer)
    [row] = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id)
    assert shop.slug in {h["slug"] for h in backend.search(SearchQuery(text=shop.product_name)).hits}
    response = await post_form(client, f"/seller/offers/{row['id']}", f"/seller/offers/{row['id']}/pause")
    assert response.status_code == 303
    product = await client.get(f"/p/{shop.slug}")
    assert "€129.00" not in unescape(product.text) and "Add to cart" not in product.text
    assert shop.slug not in {h["slug"] for h in backend.search(SearchQuery(text=shop.product_name)).hits}


# Featured or not, and the price to win


async def test_the_list_says_which_offer_is_featured_and_the_price_that_would_win(
    client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    await Offer.update({Offer.sku: "CHEAP"}).where(Offer.seller == shop.seller_id)  # €129.00, free delivery
    dear = await listings.create_offer(shop.seller_id, offer(await variant_of(shop), "DEAR", price_cents=15_900,
                                                             stock=4))
    assert skus_listed(await page(client, "/seller/offers", featured="yes")) == ["CHEAP"]
    not_featured = await page(client, "/seller/offers", featured="no")
    assert skus_listed(not_featured) == ["DEAR"]
    cell = not_featured[not_featured.index('<td data-label="Featured">'):].split("</td>")[0]
    assert "Not featured. Wins at €128.99; featured: €129.00 with delivery" in cell
    assert '<span class="status-badge status-badge--featured">Featured</span>' in await page(
        client, "/seller/offers", q="CHEAP")
    edit = " ".join(re.sub(r"<[^>]+>", "", await page(client, f"/seller/offers/{dear}")).split())
    assert ("Not featured: at €128.99 or less (−€30.01) this offer would be featured in Excellent, all else equal."
            in edit)
    assert "Featured now: €129.00 (free delivery)." in edit and "Which parameters weigh" in edit


# Valid HTML, the pages with their errors included (the crawl of test_valid_html sees them without)


async def test_the_offer_pages_with_their_errors_are_valid_html(client: AsyncTestClient, shop: ExclusiveSeller,
                                                                tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java is not None and VNU.exists(), "the Nu checker needs Java and node_modules/vnu-jar"
    nu_checker = [java, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json"]
    variant = await variant_of(shop)
    dear = await listings.create_offer(shop.seller_id, offer(variant, "DEAR", price_cents=15_900))
    form = await page(client, "/seller/offers/new", variant=str(variant))
    wrong = {"price": "abc", "grade": "", "payment_means": [], "new_battery": "maybe", "battery_health_pct": "50"}
    pages = {
        "list": (await client.get("/seller/offers", params={"featured": "no"})).text,
        "find": (await client.get("/seller/offers/new", params={"q": shop.product_name})).text,
        "new": (await client.post("/seller/offers/new", data=form_data(form, variant_id=str(variant), **wrong))).text,
        "edit": (await client.post(f"/seller/offers/{dear}", data=form_data(form, **wrong))).text,
        "delete": (await post_form(client, f"/seller/offers/{dear}/delete", f"/seller/offers/{dear}/delete")).text,
    }
    assert "Price to win" in pages["edit"] and "Tick the box" in pages["delete"]
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    done = subprocess.run([*nu_checker, *(str(tmp_path / f"{name}.html") for name in pages)], capture_output=True,
                          text=True, timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    errors = [f"{m.get('url', '').rsplit('/', 1)[-1]} line {m.get('lastLine')}: {m.get('message')}"
              for m in messages if m.get("type") in ("error", "non-document-error")]
    assert not errors, "\n".join(errors)


# PostgreSQL


@pytest.mark.postgres
async def test_creating_listing_filtering_and_changing_an_offer_work_on_postgres(postgres_store) -> None:
    # Rows are arranged before the app starts: its requests run on the test client's own event loop, and a
    # connection belongs to one loop.
    shop = await exclusive_seller()
    variant = await variant_of(shop)
    token, _ = await sessions.create(account_id=shop.account_id)
    async with AsyncTestClient(app=create_app(postgres_store.settings, postgres_store.backend)) as client:
        client.cookies.set("encore_session", token)
        client.follow_redirects = False
        form = await page(client, "/seller/offers/new", variant=str(variant))
        created = await client.post("/seller/offers/new", data=form_data(form, variant_id=str(variant)))
        assert created.status_code == 303
        listed = await page(client, "/seller/offers", q="walk-64 64gb", featured="yes", grade="good", sort="price")
        assert skus_listed(listed) == ["WALK-64-GD"]
        edit = await page(client, created.headers["location"])
        changed = await client.post(created.headers["location"].split("?")[0],
                                    data={**form_data(edit), "price": "109.00"})
        assert changed.status_code == 303
        history = await page(client, changed.headers["location"])
        history = history[history.index('id="price-history"'):].split("</table>")[0]
        assert re.findall(r'<td class="num">(€[\d.,]+)</td>', history) == ["€109.00", "€119.00"]


async def test_the_filter_and_the_column_agree_on_which_offers_are_featured(shop: ExclusiveSeller) -> None:
    variant = await variant_of(shop)
    ids = [row["id"] for row in await Offer.select(Offer.id).where(Offer.seller == shop.seller_id)]
    for sku, grade, price in (("A", "excellent", 12_000), ("B", "excellent", 14_000), ("C", "good", 9_000),
                              ("D", "fair", 8_000)):
        ids.append(await listings.create_offer(shop.seller_id, offer(variant, sku, grade=grade, price_cents=price)))
    await listings.pause_offer(shop.seller_id, ids[-1])
    statuses = await featured_status(shop.seller_id, ids)
    assert await featured_offer_ids(shop.seller_id, ids) == {i for i, s in statuses.items() if s.featured}
    assert [statuses[i].featured for i in ids] == [False, True, False, True, False]
