"""A claim that ends in a partial refund, in Chromium: a delivered order, the buyer asks for help on a phone, the
seller proposes €40.00 back from its order page, the buyer accepts; the buyer's money summary shows the refund
and the seller's statement the refund and the €4.00 of commission handed back (10 % of €40.00).

The order is arranged through the store's own services: a seller alone offering one product at €129.00 with
free shipping, so the buyer paid €131.58 (service fee €2.58).
"""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.orders.tables import Claim
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.test_claims import delivered_order
from tests.integration.test_referencing import exclusive_seller

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database reads and writes run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def a_delivered_order(settings) -> dict:
    shop = await exclusive_seller()
    buyer = await make_account(name="Camille Claimant")
    order = await delivered_order(shop, buyer["id"], settings)
    return {"reference": order["reference"], "seller_order": order["id"], "seller_name": shop.name,
            "seller_email": shop.account_email, "buyer_email": buyer["email"]}


async def claim_status(seller_order_id: int) -> str:
    return (await Claim.select(Claim.status).where(Claim.seller_order == seller_order_id).first())["status"]


def sign_in(page, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then)))


def test_a_claim_ends_in_a_partial_refund_seen_by_the_buyer_and_on_the_sellers_statement(
        live_server: str, live_store, browser) -> None:
    order = run(a_delivered_order(live_store))
    order_page = f"/account/orders/{order['reference']}"

    buyer_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    buyer_context.add_init_script(LISTEN)
    buyer = buyer_context.new_page()
    sign_in(buyer, live_server, order["buyer_email"], order_page)
    buyer.locator("summary", has_text="Get help").click()
    buyer.get_by_label("Cosmetic condition worse than sold").check()
    buyer.get_by_label(f"Tell {order['seller_name']} what happened").fill(
        "Deep scratches on the back, and it was sold as Excellent.")
    buyer.get_by_role("button", name=f"Send to {order['seller_name']}").click()
    buyer.get_by_text(f"Your message was sent to {order['seller_name']}").wait_for()
    assert run(claim_status(order["seller_order"])) == "open"

    seller_context = browser.new_context(viewport={"width": 1366, "height": 900})
    seller_context.add_init_script(LISTEN)
    seller = seller_context.new_page()
    sign_in(seller, live_server, order["seller_email"], "/seller/claims")
    assert_accessible(seller)
    seller.get_by_role("link", name=order["reference"]).click()
    seller.wait_for_url(re.compile(rf"/seller/orders/{order['seller_order']}"))
    seller.get_by_role("radio", name="Partial refund").check()
    seller.get_by_label("Amount of a partial refund, in euros").fill("40")
    seller.get_by_label("Your message to the buyer").fill("Sorry for the scratches: we give you €40.00 back.")
    seller.get_by_role("button", name="Send the proposal").click()
    seller.get_by_text("Your proposal was sent to the buyer").wait_for()
    assert_accessible(seller)

    buyer.goto(f"{live_server}{order_page}")
    assert "Partial refund of €40.00" in buyer.locator(".claim__proposal").inner_text()
    assert_accessible(buyer)
    buyer.get_by_role("button", name=re.compile(r"^Accept €40\.00")).click()
    buyer.wait_for_url(re.compile(r"claim_done=accept"))
    summary = buyer.locator(".summary").inner_text()
    assert re.search(r"Refunded to you\s+−€40\.00", summary), summary
    assert re.search(r"Paid after refunds\s+€91\.58", summary), summary
    assert "Claim resolved by a refund" in buyer.locator(".part-refunds").inner_text()
    assert buyer.evaluate("document.documentElement.scrollWidth") <= 390, "nothing scrolls sideways on a phone"
    assert_accessible(buyer)
    assert run(claim_status(order["seller_order"])) == "resolved"
    buyer_context.close()

    seller.goto(f"{live_server}/seller/statements")
    lines = seller.locator(".statement__line--refund, .statement__line--commission_reversal").all_inner_texts()
    assert [re.sub(r"\s+", " ", line).split(" ", 3)[3] for line in lines] == [
        f"Refund to the buyer {order['reference']} −€40.00",
        f"Commission handed back {order['reference']} €4.00"]
    assert_accessible(seller)
    seller_context.close()
