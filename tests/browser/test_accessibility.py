"""axe-core over every kind of page, as each kind of visitor sees it: shoppers (signed out and in), a seller
and the operator. The journeys check the pages they pass through as well (cart, checkout, payment, forms).
The same sweep fails on anything the Content-Security-Policy refused on those pages."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.accounts.tables import Account
from storefront.demo.accounts import OPERATOR as OPERATOR_ACCOUNT
from storefront.demo.accounts import SELLER_PASSWORD
from storefront.demo.accounts import SHOPPER as SHOPPER_ACCOUNT
from storefront.moderation.decisions import decide
from storefront.moderation.states import Ground, Measure
from tests.browser.axe import assert_accessible, violations
from tests.browser.csp import LISTEN, csp_violations

pytestmark = pytest.mark.browser
PRODUCT = "apple-iphone-13-128-gb-midnight"

PUBLIC = ["/", "/search?q=iphone", "/search?q=zzzzqqq", "/c/smartphones", f"/p/{PRODUCT}",
          f"/p/{PRODUCT}/reviews?sort=newest", "/legal/other-information", "/legal/ranking", "/legal/reviews",
          "/legal/terms", "/legal/sales-conditions", "/legal/commercial-guarantee", "/legal/seller-conditions",
          "/legal/privacy", "/contact", "/contact/authorities", "/report", "/report?subject=offer:1",
          "/login", "/signup", "/signup/sent?to=ann%40example.com", "/password/forgot", "/cart", "/no-such-page",
          "/seller/apply", "/seller/apply/sent?to=ann%40example.com", "/legal/withdrawal-form", "/legal/trade-in",
          "/sell", "/sell?category=1", "/sell/recycling"]
SHOPPER = ["/account/orders", "/cart", "/account/trade-ins"]
SELLER = ["/seller/", "/seller/orders", "/seller/statements", "/seller/statements/2026-10", "/seller/company",
          "/seller/offers",
          "/seller/offers?featured=no", "/seller/offers/new?q=iphone", "/seller/catalogue-requests",
          "/seller/catalogue-requests/new?q=Galaxy+S24", "/seller/catalogue-requests/1", "/seller/webhooks",
          "/seller/offers/import", "/seller/returns", "/seller/claims",
          "/seller/trade-in", "/seller/trade-in/devices", "/seller/trade-in/import",
          "/seller/trade-in/grids/new?q=iphone", "/seller/trade-in/grids/1"]
OPERATOR = ["/ops/", "/ops/notices", "/ops/sellers", "/ops/sellers?status=referenced", "/ops/sellers/1",
            "/ops/products?q=iphone", "/ops/products/1", "/ops/products/1/safety", "/ops/audit", "/ops/reviews/1",
            "/ops/catalogue-requests", "/ops/catalogue-requests?status=approved", "/ops/catalogue-requests/1",
            "/ops/documents", "/ops/returns", "/ops/claims", "/ops/claims/1", "/ops/trade-ins",
            "/ops/trade-ins?status=paid", "/ops/trade-ins/4", "/ops/trade-ins/10"]


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sweep(page, base: str, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        page.goto(base + path)
        problems += [f"{path}: {v}" for v in violations(page) + csp_violations(page)]
    return problems


def test_public_pages_on_a_phone_and_a_desktop(live_server: str, phone, desktop) -> None:
    problems = sweep(phone, live_server, PUBLIC) + sweep(desktop, live_server, PUBLIC)
    assert not problems, "\n".join(problems)


def test_a_signed_in_shoppers_pages(live_server: str, desktop) -> None:
    sign_in(desktop, live_server, SHOPPER_ACCOUNT[0], SHOPPER_ACCOUNT[2])
    problems = sweep(desktop, live_server, SHOPPER)
    assert not problems, "\n".join(problems)


def test_the_seller_portal(live_server: str, phone) -> None:
    sign_in(phone, live_server, "contact@renew-lab.example", SELLER_PASSWORD)
    problems = sweep(phone, live_server, SELLER)
    assert not problems, "\n".join(problems)


def test_an_offer_form_with_its_errors_on_a_phone_and_a_desktop(live_server: str, phone, desktop) -> None:
    problems = []
    for page in (phone, desktop):
        sign_in(page, live_server, "contact@renew-lab.example", SELLER_PASSWORD)
        page.goto(f"{live_server}/seller/offers?sort=sku")
        page.locator(".offers-table__product a").first.click()
        page.wait_for_load_state()
        page.get_by_label("Price (€, VAT included)").fill("abc")
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_load_state()
        assert page.locator("#offer-price-error").is_visible()
        problems += [f"{page.url}: {v}" for v in violations(page) + csp_violations(page)]
    assert not problems, "\n".join(problems)


def test_the_operator_console(live_server: str, desktop) -> None:
    sign_in(desktop, live_server, OPERATOR_ACCOUNT[0], OPERATOR_ACCOUNT[2])
    problems = sweep(desktop, live_server, OPERATOR)
    assert not problems, "\n".join(problems)


def test_the_sellers_list_fits_a_desktop_with_every_column_in_view(live_server: str, desktop) -> None:
    sign_in(desktop, live_server, OPERATOR_ACCOUNT[0], OPERATOR_ACCOUNT[2])
    desktop.goto(f"{live_server}/ops/sellers?status=pending")
    table = desktop.locator(".portal-table")
    fits = table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    assert fits, "the traceability sentence wraps instead of pushing 'Quality charter' off screen"
    assert desktop.get_by_role("columnheader", name="Quality charter").is_visible()


async def decision_for_the_demo_shopper(settings) -> int:
    shopper = await Account.select(Account.id, Account.email).where(Account.email == SHOPPER_ACCOUNT[0]).first()
    return await decide(subject_type="review", subject_id=1, measure=Measure.review_removed,
                        facts="Your review named a person in full.", ground=Ground.reviews_policy,
                        ground_detail="Contains personal data or confidential information",
                        recipient_email=shopper["email"], recipient_account=shopper["id"], decided_by=None,
                        settings=settings, notify=False)


def test_contesting_a_decision_and_resolving_the_complaint(live_server: str, live_store, browser) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        decision_id = pool.submit(asyncio.run, decision_for_the_demo_shopper(live_store)).result()
    shopper = browser.new_context(viewport={"width": 390, "height": 844})
    shopper.add_init_script(LISTEN)
    page = shopper.new_page()
    sign_in(page, live_server, SHOPPER_ACCOUNT[0], SHOPPER_ACCOUNT[2])
    page.goto(f"{live_server}/decisions/{decision_id}/contest")
    assert_accessible(page)
    page.get_by_label("Why is this decision wrong?").fill("The name in my review is the shop's, not a person's.")
    page.get_by_role("button", name="Send my complaint").click()
    page.wait_for_url(re.compile(r"sent=1"))
    assert_accessible(page)
    shopper.close()

    console = browser.new_context(viewport={"width": 1366, "height": 900})
    console.add_init_script(LISTEN)
    ops = console.new_page()
    sign_in(ops, live_server, OPERATOR_ACCOUNT[0], OPERATOR_ACCOUNT[2])
    ops.goto(f"{live_server}/ops/")
    ops.get_by_role("link", name=re.compile(f"against decision {decision_id}|Complaint")).first.click()
    ops.wait_for_url(re.compile(r"/ops/complaints/\d+"))
    assert_accessible(ops)
    console.close()
