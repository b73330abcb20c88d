"""Buy, pay, cancel before shipping, refunded, in Chromium on a phone: the buyer's money summary and the
seller's statement both show the refund.

The seller alone offers one product at €129.00 with free shipping; the service fee is 2 %: €2.58, so the buyer
pays €131.58 and gets all of it back (nothing of the order is kept)."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.payments.tables import Refund
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.test_referencing import exclusive_seller

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database work runs in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def refund_status(reference: str) -> str | None:
    row = await Refund.select(Refund.status).where(Refund.order.reference == reference).first()
    return row["status"] if row else None


def sign_in(page, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then)))


def test_a_buyer_cancels_a_paid_order_before_shipping_and_is_refunded(live_server: str, browser) -> None:
    shop = run(exclusive_seller())
    buyer = run(make_account(name="Sacha Cancel"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(LISTEN)
    page = context.new_page()
    sign_in(page, live_server, buyer["email"], f"/p/{shop.slug}")

    page.get_by_role("button", name="Add to cart").first.click()
    page.get_by_text("Added to your cart").first.wait_for()
    page.goto(f"{live_server}/cart")
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(re.compile(r"/checkout/address"))
    page.get_by_label("Street and number").fill("4 place Bellecour")
    page.get_by_label("Postcode").fill("69002")
    page.get_by_label("Town or city").fill("Lyon")
    page.get_by_role("button", name="Continue to shipping").click()
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_label("Bank card").check()
    page.get_by_role("button", name="Review your order").click()
    page.wait_for_url(re.compile(r"/checkout/review"))
    assert "€131.58" in page.locator(".summary").inner_text()
    page.get_by_role("button", name="Order with obligation to pay").click()
    page.wait_for_url(re.compile(r"/sandbox/pay/"))
    page.get_by_label("Name on the card").fill("Sacha Cancel")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.get_by_role("heading", name="Thank you, your order is paid").wait_for()
    reference = re.search(r"EN-[A-Z0-9]{8}", page.content()).group(0)

    page.goto(f"{live_server}/account/orders/{reference}")
    page.get_by_text("Cancel this part").click()
    assert "you get €129.00 back (items and shipping), plus the service fee" in page.locator(
        ".cancel-part__form").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Cancel and get refunded").click()
    page.get_by_text("You cancelled this part of the order").wait_for()
    summary = page.locator(".summary").inner_text()
    assert re.search(r"Refunded to you\s+−€131\.58", summary)
    assert re.search(r"Paid after refunds\s+€0\.00", summary)
    assert "You cancelled before shipping" in page.locator(".part-refunds").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    # Sent to the provider right after the response, by the job the request woke.
    for _ in range(40):
        if run(refund_status(reference)) == "sent":
            break
        page.wait_for_timeout(250)
    assert run(refund_status(reference)) == "sent"
    page.reload()
    assert "sent to your means of payment" in page.locator(".part-refunds").inner_text()
    context.close()

    portal = browser.new_context(viewport={"width": 1366, "height": 900})
    portal.add_init_script(LISTEN)
    page = portal.new_page()
    sign_in(page, live_server, shop.account_email, "/seller/")
    page.goto(f"{live_server}/seller/statements")
    movements = page.locator("#movements-title + .table-scroll").inner_text()
    assert re.search(r"Sale\s+" + reference + r"\s+€129\.00", movements)
    assert re.search(r"Refund to the buyer\s+" + reference + r"\s+−€129\.00", movements)
    assert re.search(r"Owed to you at the end of the month\s+€0\.00", page.locator(".statement__summary").inner_text())
    assert_accessible(page)
    portal.close()
