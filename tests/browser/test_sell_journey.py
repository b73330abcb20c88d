"""Trade-in in Chromium, on a phone: a quote without an account (without JavaScript, each step a form; with it,
the steps swap in place and the URL follows), then signing in, accepting, downloading the prepaid label, and
"My trade-ins" showing the device to send.

A refurbisher alone buys one model (it is made for the test): €210.00 for the 64 GB "works fully, light signs
of use".
"""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.catalog.tables import ProductModel
from storefront.tradein.states import ConditionState
from storefront.tradein.tables import GridPrice, PriceGrid, TradeIn, TradeInProgram
from tests.browser.axe import assert_accessible
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.test_referencing import exclusive_seller

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database reads and writes run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def a_refurbisher_that_buys() -> dict:
    shop = await exclusive_seller()
    now = dt.datetime.now(dt.UTC)
    await TradeInProgram(seller=shop.seller_id, enabled=True, updated_at=now).save()
    grid = PriceGrid(seller=shop.seller_id, model=shop.model_id, updated_at=now)
    await grid.save()
    await GridPrice(grid=grid.id, storage_gb=64, state=ConditionState.functional_good, price_cents=21_000).save()
    model = await ProductModel.select(ProductModel.category, ProductModel.brand).where(
        ProductModel.id == shop.model_id).first()
    person = await make_account(name="Sacha Seller")
    return {"name": shop.name, "model": shop.model_id, "category": model["category"], "brand": model["brand"],
            "email": person["email"], "account": person["id"]}


async def statuses_of(account_id: int) -> list[str]:
    return [row["status"] for row in await TradeIn.select(TradeIn.status).where(TradeIn.account == account_id)]


def pick_device(page, world: dict) -> None:
    page.get_by_label("Step 1 of 5").select_option(str(world["category"]))
    page.get_by_role("button", name="Next").click()
    pick_device_rest(page, world)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_quote_without_javascript(live_server: str, live_store, no_js) -> None:
    world = run(a_refurbisher_that_buys())
    no_js.goto(f"{live_server}/sell")
    pick_device(no_js, world)
    assert "works=yes" in no_js.url and f"model={world['model']}" in no_js.url
    heading = no_js.get_by_role("heading", level=2)
    assert heading.inner_text() == f"{world['name']} offers €210.00"
    assert no_js.get_by_role("link", name="Accept this offer").is_visible()
    assert fits(no_js)
    assert not no_js.context.cookies()


def test_quote_accept_label_and_my_trade_ins_on_a_phone(live_server: str, live_store, phone) -> None:
    world = run(a_refurbisher_that_buys())
    phone.goto(f"{live_server}/")
    phone.get_by_role("link", name="Sell it to a refurbisher").click()
    phone.wait_for_url(re.compile("/sell$"))
    assert_accessible(phone)
    phone.get_by_label("Step 1 of 5").select_option(str(world["category"]))
    phone.get_by_role("button", name="Next").click()
    # htmx swapped the step in and pushed the choice into the address.
    phone.wait_for_url(re.compile(rf"category={world['category']}"))
    pick_device_rest(phone, world)
    phone.get_by_role("heading", name=f"{world['name']} offers €210.00").wait_for()
    assert_accessible(phone)
    assert fits(phone)
    assert not phone.context.cookies()

    phone.get_by_role("link", name="Accept this offer").click()
    phone.wait_for_url(re.compile(r"/login\?next="))
    phone.get_by_label("E-mail address").fill(world["email"])
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(re.compile(r"/sell/accept\?token="))
    assert_accessible(phone)
    phone.get_by_label("Identity document").select_option("passport")
    phone.get_by_label("Document number").fill("19AB12345")
    phone.get_by_label("IBAN (where we send the money)").fill("FR14 2004 1010 0505 0001 3M02 606")
    phone.get_by_label("Account holder").fill("Sacha Seller")
    phone.get_by_label("Street and number").fill("3 rue des Lilas")
    phone.get_by_label("Postcode").fill("69003")
    phone.get_by_label("Town or city").fill("Lyon")
    phone.get_by_label(re.compile("I declare that this device is mine")).check()
    phone.get_by_role("button", name="Accept the offer").click()
    phone.wait_for_url(re.compile(r"/account/trade-ins/TI-[A-Z2-9]{8}\?accepted=1"))
    assert "To send" in phone.locator("main").inner_text()
    assert_accessible(phone)
    assert fits(phone)

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download the prepaid label (PDF)").click()
    download = download_info.value
    assert re.fullmatch(r"label-TI-[A-Z2-9]{8}\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as label:
        assert label.read(5) == b"%PDF-"

    phone.goto(f"{live_server}/account/trade-ins")
    assert "To send" in phone.locator("main").inner_text()
    assert run(statuses_of(world["account"])) == ["to_send"]


def pick_device_rest(page, world: dict) -> None:
    page.get_by_label("Step 2 of 5").select_option(str(world["brand"]))
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Step 3 of 5").select_option(str(world["model"]))
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Step 4 of 5").select_option("64")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("group", name=re.compile("switch on")).get_by_label("Yes").check()
    page.get_by_role("group", name="The screen").get_by_label("Light scratches").check()
    page.get_by_role("group", name="The body").get_by_label("Flawless").check()
    page.get_by_role("group", name=re.compile("account locks")).get_by_label("Yes, removed").check()
    page.get_by_role("button", name="See the offer").click()
