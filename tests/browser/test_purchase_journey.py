"""The whole purchase in Chromium, as a shopper and then as the seller: search, product page with the fee
rule, add to cart, sign up, checkout with the fee shown before the order button, sandbox payment (a declined
card, then one that pays the same order), "My orders"; the seller signs in, accepts, ships, and finds the
commission on its statement."""
from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from storefront.demo.accounts import SELLER_PASSWORD
from storefront.orders.tables import Order, SellerOrder
from storefront.payments.tables import LedgerEntry
from storefront.sellers.tables import Seller
from storefront.units import money
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database reads run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def seller_side_of(reference: str) -> tuple[dict, dict]:
    order = await Order.select().where(Order.reference == reference).first()
    seller_order = await SellerOrder.select().where(SellerOrder.order == order["id"]).first()
    seller = await Seller.select().where(Seller.id == seller_order["seller"]).first()
    return seller_order, seller


async def commission_of(seller_order_id: int) -> int:
    entries = await LedgerEntry.select().where(
        (LedgerEntry.transaction == f"com:{seller_order_id}") & (LedgerEntry.account == "platform_commission"))
    return -sum(e["amount_cents"] for e in entries)


def test_a_shopper_buys_and_the_seller_confirms_ships_and_is_charged_the_commission(live_server: str,
                                                                                    browser) -> None:
    shopper = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    shopper.add_init_script(LISTEN)
    page = shopper.new_page()
    page.goto(f"{live_server}/search?q=galaxy+s22")
    page.locator(".card__link").first.click()
    page.wait_for_url(re.compile(r"/p/"))
    assert "service fee 2\N{NO-BREAK SPACE}%" in page.locator(".product__fee").inner_text()

    first_offer = page.locator(".grade-offer").filter(has=page.get_by_role("button", name="Add to cart")).first
    first_offer.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Added to your cart").first.wait_for()
    assert page.locator("#cart-badge").inner_text() == "1"

    page.get_by_role("link", name=re.compile("^Cart")).click()
    page.wait_for_url(re.compile(r"/cart"))
    assert_accessible(page)
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_role("link", name="Create an account").click()
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Your name").fill("Alex Journey")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("a long journey password")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/signup/sent"))
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert_accessible(page)
    # The demo mailbox stands in for the shopper's inbox: the confirmation link signs in, with the cart kept.
    message = page.get_by_role("row").filter(has_text=email).get_by_role("link", name=re.compile("^Confirm your"))
    for _ in range(40):  # the e-mail is queued just after the answer: look again until it is there
        page.goto(f"{live_server}/dev/mailbox")
        if message.count():
            break
        page.wait_for_timeout(250)
    message.click()
    # The e-mail names PUBLIC_BASE_URL; this test's server listens elsewhere: follow the same path there.
    link = urlsplit(page.get_by_role("link", name=re.compile(r"signup.confirm")).get_attribute("href"))
    page.goto(f"{live_server}{link.path}?{link.query}")
    page.wait_for_url(re.compile(r"/signup/confirm/"))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm and sign in").click()

    page.wait_for_url(re.compile(r"/checkout/address"))
    assert_accessible(page)
    page.get_by_label("Street and number").fill("12 rue Paul Bert")
    page.get_by_label("Postcode").fill("69003")
    page.get_by_label("Town or city").fill("Lyon")
    page.get_by_role("button", name="Continue to shipping").click()
    page.wait_for_url(re.compile(r"/checkout/shipping"))
    assert_accessible(page)
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/checkout/payment"))
    assert_accessible(page)
    page.get_by_label("Bank card").check()
    page.get_by_role("button", name="Review your order").click()

    page.wait_for_url(re.compile(r"/checkout/review"))
    assert_accessible(page)
    html = page.content()
    fee = page.locator(".summary dl div").filter(has_text="Service fee").locator("dd").inner_text()
    assert re.fullmatch(r"€\d+\.\d{2}", fee)
    assert html.index("Service fee") < html.index("Order with obligation to pay")
    page.get_by_role("button", name="Order with obligation to pay").click()

    page.wait_for_url(re.compile(r"/sandbox/pay/"))
    assert_accessible(page)
    # A declined card keeps the order waiting: the same page offers another try.
    page.get_by_label("Name on the card").fill("Alex Journey")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.get_by_text("The bank declined this card, so nothing was charged").wait_for()
    assert_accessible(page)
    page.get_by_label("Name on the card").fill("Alex Journey")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.get_by_role("heading", name="Thank you, your order is paid").wait_for()
    reference = re.search(r"EN-[A-Z0-9]{8}", page.content()).group(0)
    assert_accessible(page)

    page.goto(f"{live_server}/account/orders")
    assert reference in page.content()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(reference)).first.click()
    page.wait_for_url(re.compile(rf"/account/orders/{reference}"))
    assert_accessible(page)
    shopper.close()

    seller_order, seller = run(seller_side_of(reference))
    portal = browser.new_context(viewport={"width": 1366, "height": 900})
    portal.add_init_script(LISTEN)
    page = portal.new_page()
    page.goto(f"{live_server}/login?next=/seller/")
    page.get_by_label("E-mail address").fill(seller["email"])
    page.get_by_label("Password").fill(SELLER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/seller"))
    page.goto(f"{live_server}/seller/orders/{seller_order['id']}")
    page.get_by_role("button", name="Accept the order").click()
    page.get_by_label("Carrier").fill("Colissimo")
    page.get_by_label("Tracking number").fill("6A12345678901")
    page.get_by_role("button", name="Mark as shipped").click()
    page.get_by_text("6A12345678901").first.wait_for()
    assert_accessible(page)

    commission = run(commission_of(seller_order["id"]))
    assert commission == (seller_order["total_cents"] * 1_000 + 5_000) // 10_000
    page.goto(f"{live_server}/seller/statements")
    statement = page.content()
    assert reference in statement and money(commission) in statement
    assert_accessible(page)
    portal.close()
