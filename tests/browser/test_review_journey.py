"""Reviews in Chromium: a buyer writes a review from "My orders", the sort changes without a page load,
and a review is reported."""
from __future__ import annotations

import asyncio
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from search_index.drain import OutboxDrainer
from search_index.service import backend_from_settings
from storefront.cart import service as carts
from storefront.catalog.tables import Variant
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import SellerOrder
from storefront.sellers.tables import Offer
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN, wait_for
from tests.integration.commerce import PASSWORD, make_account

pytestmark = pytest.mark.browser
PRODUCT = "apple-iphone-13-128-gb-midnight"


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database work runs in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def buyer_with_a_delivered_iphone(settings) -> dict:
    buyer = await make_account(name="Robin Reviewer")
    variant = await Variant.select(Variant.id).where(Variant.slug == PRODUCT).first()
    offer = await Offer.select().where((Offer.variant == variant["id"]) & (Offer.stock > 0)).first()
    cart_id = await carts.create_cart(buyer["id"])
    await carts.add(cart_id, offer["id"], 1)
    placed = await place_order(cart_id=cart_id, account_id=buyer["id"], payment_means="card", settings=settings,
                               address=DeliveryAddress("Robin Reviewer", "2 rue Mercière", "69002", "Lyon"),
                               idempotency_key=secrets.token_hex(8))
    await transitions.payment_succeeded(placed.order_id, settings)
    seller_order = await SellerOrder.select().where(SellerOrder.order == placed.order_id).first()
    for step in ("accept", "ship", "deliver"):
        kwargs = {"carrier": "Colissimo", "tracking_number": "6A1"} if step == "ship" else {}
        await getattr(transitions, step)(seller_order["id"], seller_id=seller_order["seller"], settings=settings,
                                         **kwargs)
    # Called outside a request: nothing drains after a response, so the test does it.
    await OutboxDrainer(backend_from_settings(settings), settings.ranking).drain()
    return {**buyer, "reference": placed.reference}


def review_ids(page) -> list[str]:
    return page.locator("#reviews li.review").evaluate_all("(els) => els.map(e => e.id)")


def test_write_a_review_change_the_sort_without_reload_and_report_one(live_server: str, live_store,
                                                                      browser) -> None:
    buyer = run(buyer_with_a_delivered_iphone(live_store))
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill(buyer["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/account/orders/{buyer['reference']}")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Write a review")).click()
    page.wait_for_url(re.compile(r"/account/reviews/new"))
    assert_accessible(page)
    page.get_by_role("group", name="Your rating of the product").locator("input[value='5']").check()
    page.get_by_label("Your comment (optional)").fill("Like new, battery at 91 %. <b>Shipped</b> in two days.")
    page.get_by_role("button", name="Publish your review").click()
    page.get_by_text("You rated it 5 out of 5 stars").wait_for()
    assert_accessible(page)

    page.goto(f"{live_server}/p/{PRODUCT}")
    assert "&lt;b&gt;" not in page.locator("#reviews").inner_text()
    page.evaluate("window.__sameDocument = true")
    before = review_ids(page)
    page.locator("#reviews").get_by_role("link", name="Lowest rating").click()
    page.wait_for_url(re.compile(r"/reviews\?sort=lowest"))
    wait_for(page, f"document.querySelector('#reviews li.review').id !== {before[0]!r}")
    assert review_ids(page) != before
    assert page.evaluate("window.__sameDocument") is True, "the sort reloaded the page"
    assert_accessible(page)

    page.locator("#reviews").get_by_role("link", name="Report", exact=True).first.click()
    page.wait_for_url(re.compile(r"/reviews/\d+/report"))
    assert_accessible(page)
    page.get_by_label("Advertising", exact=True).check()
    page.get_by_label("Explain why").fill("This review only advertises another shop's website.")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(re.compile(r"/report/sent"))
    context.close()
