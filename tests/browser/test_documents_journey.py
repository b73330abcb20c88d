"""Documents in Chromium: a seller on a phone downloads last month's numbered statement (PDF) and invoice (CSV)
from its statement pages, a buyer the service-fee receipt of a paid order, and the operator finds both numbers
in the console's list with no gap in their series."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storefront.accounts.tables import Account
from storefront.demo.accounts import SELLER_PASSWORD
from storefront.demo.history import BUYER_PASSWORD
from storefront.orders.tables import Order
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

OPERATOR = ("operator@encore.example", "encore-demo-operator")
SELLER = "contact@renew-lab.example"
BUYER = "buyer01@encore.example"
NUMBER = re.compile(r"(ST|INV|RC)-\d{4}-\d{6}")


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database reads run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def a_paid_order_of(email: str) -> str:
    account = await Account.select(Account.id).where(Account.email == email).first()
    order = await Order.select(Order.reference).where(
        (Order.account == account["id"]) & Order.paid_at.is_not_null()).order_by(Order.id).first()
    return order["reference"]


def sign_in(page, base: str, email: str, password: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then)))


def download(page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).first.click()
    file = started.value
    return file.suggested_filename, Path(file.path()).read_bytes()


def test_seller_buyer_and_operator_download_numbered_documents(live_server: str, phone, desktop) -> None:
    sign_in(phone, live_server, SELLER, SELLER_PASSWORD, "/seller/")
    phone.get_by_role("link", name="Statements").first.click()
    phone.wait_for_load_state()
    assert phone.get_by_text("This month is still open").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "nothing overflows the phone's width"

    name, body = download(phone, "Statement (PDF)")
    assert re.fullmatch(r"ST-\d{4}-\d{6}\.pdf", name) and body.startswith(b"%PDF-")
    # The same document again from the closed month's own page: the same number.
    phone.get_by_role("link", name=re.compile(r"^← ")).click()
    phone.wait_for_load_state()
    assert_accessible(phone)
    again, _ = download(phone, "Statement (PDF)")
    assert again == name
    invoice, csv = download(phone, "Invoice (CSV)")
    assert re.fullmatch(r"INV-\d{4}-\d{6}\.csv", invoice)
    assert csv.startswith("\ufeff".encode()) and b"Total incl. VAT" in csv

    reference = run(a_paid_order_of(BUYER))
    sign_in(desktop, live_server, BUYER, BUYER_PASSWORD, "/account/orders")
    desktop.goto(f"{live_server}/account/orders/{reference}")
    receipt, pdf = download(desktop, "Service fee receipt (PDF)")
    assert re.fullmatch(r"RC-\d{4}-\d{6}\.pdf", receipt) and pdf.startswith(b"%PDF-")

    desktop.context.clear_cookies()
    sign_in(desktop, live_server, *OPERATOR, "/ops/")
    desktop.get_by_role("link", name="Documents", exact=True).click()
    desktop.wait_for_load_state()
    listed = set(NUMBER.findall(desktop.content()))
    assert {"ST", "INV", "RC"} <= listed
    for code in (name, invoice, receipt):
        assert code.rsplit(".", 1)[0] in desktop.content()
    assert desktop.locator("td", has_text="none").count() >= 3, "no series misses a number"
    assert_accessible(desktop)
