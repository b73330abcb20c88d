"""Withdrawal in Chromium: a buyer's order (placed and paid through the store's services) is accepted, shipped
and delivered by its seller in the portal; the buyer withdraws from the order page on a phone; the seller issues
the label, marks the item received and refunds it; the buyer's money summary shows the refund and the seller's
statement the refund and the commission handed back.

The seller alone offers one product at €129.00, free shipping: the buyer paid €131.58 (service fee €2.58), the
commission was €12.90."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN, csp_violations
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.test_cancellation import paid_order
from tests.integration.test_referencing import exclusive_seller

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database writes run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def arrange(settings) -> tuple:
    shop = await exclusive_seller()
    buyer = await make_account()  # paid_order delivers to Camille Martin
    order = await paid_order(shop, buyer["id"], settings)
    return shop, buyer, order


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"
    assert_accessible(page)
    assert not csp_violations(page)


def test_a_buyer_withdraws_and_the_seller_refunds(live_server: str, live_store, browser) -> None:
    shop, buyer, order = run(arrange(live_store))
    portal_context = browser.new_context(viewport={"width": 1366, "height": 900})
    portal_context.add_init_script(LISTEN)
    portal = portal_context.new_page()
    sign_in(portal, live_server, shop.account_email)
    portal.goto(f"{live_server}/seller/orders/{order['id']}")
    portal.get_by_role("button", name="Accept the order").click()
    portal.get_by_label("Carrier").fill("Colissimo")
    portal.get_by_label("Tracking number").fill("6A98765432109")
    portal.get_by_role("button", name="Mark as shipped").click()
    portal.get_by_role("button", name="Mark as delivered").click()
    portal.get_by_text("Marked as delivered.").wait_for()

    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone_context.add_init_script(LISTEN)
    phone = phone_context.new_page()
    sign_in(phone, live_server, buyer["email"])
    phone.goto(f"{live_server}/account/orders/{order['reference']}")
    fits(phone, 390)
    phone.get_by_role("link", name=re.compile("^Withdraw from the contract here")).click()
    phone.wait_for_url(re.compile(r"/withdraw$"))
    assert "Camille Martin" in phone.content() and "€129.00" in phone.locator(".order-lines tfoot").inner_text()
    fits(phone, 390)
    phone.get_by_role("button", name="Confirm withdrawal").click()
    phone.get_by_text("Your statement is recorded").wait_for()
    assert "Requested: waiting for the return label" in phone.locator(".return-panel").inner_text()
    fits(phone, 390)

    portal.goto(f"{live_server}/seller/returns")
    fits(portal, 1366)
    portal.get_by_role("link", name=order["reference"]).click()
    portal.get_by_role("button", name="Issue the return label").click()
    portal.get_by_text("The return label is issued").wait_for()
    fits(portal, 1366)
    portal.get_by_role("link", name="Print the label").click()
    portal.get_by_role("heading", name="Return label").wait_for()
    assert re.search(r"ER\d{10}FR", portal.content())
    fits(portal, 1366)
    portal.go_back()
    portal.get_by_role("button", name="Mark the item received").click()
    portal.get_by_role("button", name="Item checked: refund the buyer").click()
    portal.get_by_text("Refunded. The buyer and you have an e-mail").wait_for()

    phone.reload()
    summary = phone.locator(".summary").inner_text()
    assert "Refunded to you\n−€131.58" in summary and "Paid after refunds\n€0.00" in summary
    assert "Withdrawal · €131.58" in phone.locator(".part-refunds").inner_text().replace("\n", " ")
    assert "Refunded" in phone.locator(".return-panel").inner_text()
    fits(phone, 390)

    portal.goto(f"{live_server}/seller/statements")
    rows = [row.inner_text().split("\t") for row in portal.locator(".statement__line").all()]
    assert [(row[1], row[3]) for row in rows] == [("Sale", "€129.00"), ("Commission", "−€12.90"),
                                                  ("Refund to the buyer", "−€129.00"),
                                                  ("Commission handed back", "€12.90")]
    fits(portal, 1366)
    phone_context.close()
    portal_context.close()
