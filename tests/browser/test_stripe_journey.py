"""Paying with Stripe in Chromium: a store served with PAYMENT_PROVIDER=stripe sends the shopper from "Order with
obligation to pay" to the Checkout Session's hosted page (the loopback stand-in's, tests/integration/stripe_standin.py,
standing in for Stripe's), whose Pay button pays the session, posts the signed event to the store's webhook and
brings the shopper back to a paid order. The form's redirects leave the store, so its Content-Security-Policy
must let them (form-action names the hosted page's origin)."""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from storefront.orders.tables import Order
from storefront.payments.tables import Payment, ProviderPayment
from tests.browser.axe import assert_accessible
from tests.browser.conftest import ROOT, _free_port
from tests.browser.csp import LISTEN, csp_violations
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.stripe_standin import StripeStandIn, stripe_standin

pytestmark = pytest.mark.browser

WEBHOOK_SECRET = "whsec_encore_browser_journey"


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database work runs in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def standin() -> Iterator[StripeStandIn]:
    with stripe_standin() as running:
        yield running


@pytest.fixture(scope="module")
def stripe_server(live_store, standin: StripeStandIn) -> Iterator[str]:
    """A second granian on the browser journeys' store, taking payments through Stripe (the stand-in)."""
    from tests.conftest import store_environment

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    standin.webhook_url, standin.webhook_secret = f"{url}/payments/stripe/webhook", WEBHOOK_SECRET
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("granian")), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "storefront.app:create_app"],
        env={**store_environment(live_store), "PUBLIC_BASE_URL": url, "PAYMENT_PROVIDER": "stripe",
             "STRIPE_SECRET_KEY": "sk_test_encore", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
             "STRIPE_API_BASE": standin.base_url, "STRIPE_CHECKOUT_ORIGIN": standin.base_url},
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("server did not start: " + (process.stdout.read() or b"").decode()[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=10)


async def session_and_status(reference: str) -> tuple[str, str]:
    """The session recorded for the order's payment, and the order's status."""
    order = await Order.select(Order.id, Order.status).where(Order.reference == reference).first()
    payment = await Payment.select(Payment.provider_reference).where(Payment.order == order["id"]).first()
    recorded = await ProviderPayment.select(ProviderPayment.provider_payment_id).where(
        ProviderPayment.payment_reference == payment["provider_reference"]).first()
    return recorded["provider_payment_id"], order["status"]


def test_a_shopper_pays_on_stripes_page_and_comes_back_to_a_paid_order(stripe_server: str, standin: StripeStandIn,
                                                                       browser) -> None:
    account = run(make_account(name="Robin Stripe"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.goto(f"{stripe_server}/login")
    page.get_by_label("E-mail address").fill(account["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    page.goto(f"{stripe_server}/search?q=galaxy+s22")
    page.locator(".card__link").first.click()
    page.wait_for_url(re.compile(r"/p/"))
    offer = page.locator(".grade-offer").filter(has=page.get_by_role("button", name="Add to cart")).first
    offer.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Added to your cart").first.wait_for()
    page.goto(f"{stripe_server}/checkout")
    page.wait_for_url(re.compile(r"/checkout/address"))
    page.get_by_label("Street and number").fill("12 rue Paul Bert")
    page.get_by_label("Postcode").fill("69003")
    page.get_by_label("Town or city").fill("Lyon")
    page.get_by_role("button", name="Continue to shipping").click()
    page.wait_for_url(re.compile(r"/checkout/shipping"))
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/checkout/payment"))
    page.get_by_label("Bank card").check()
    page.get_by_role("button", name="Review your order").click()
    page.wait_for_url(re.compile(r"/checkout/review"))
    page.get_by_role("button", name="Order with obligation to pay").click()

    # Two redirects from the form (the store's /payments/stripe/pay/…, then the session's url) end on the
    # hosted page: the store's policy let the form go there.
    page.wait_for_url(re.compile(re.escape(standin.base_url) + r"/c/pay/cs_"))
    assert csp_violations(page) == []
    page.get_by_role("button", name="Pay").click()

    page.get_by_role("heading", name="Thank you, your order is paid").wait_for()
    reference = re.search(r"EN-[A-Z0-9]{8}", page.content()).group(0)
    assert page.url == f"{stripe_server}/checkout/return/{reference}"
    assert_accessible(page)
    session_id, status = run(session_and_status(reference))
    assert (standin.sessions[session_id]["payment_status"], status) == ("paid", "paid")
    context.close()
