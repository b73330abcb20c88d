"""Trade-in in Chromium, the refurbisher's side: it turns trade-in on, prices a model by the grid form, receives a
device a person sent, inspects it (IMEI, state found, a photo) and counter-offers with reasons. Each page it passes
is checked with axe and for sideways scrolling, on a desktop and on a phone."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.catalog.tables import ProductModel
from storefront.tradein.tables import TradeIn
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN, csp_violations
from tests.integration.builders import credit_balance
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.test_tradein_refurbisher import JPEG, VALID_IMEI, a_model, refurbisher, trade_in

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database writes run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def arrange() -> dict:
    seller_id = await refurbisher()
    await credit_balance(seller_id, 100_000)  # its sales pay for the devices
    account = await make_account("seller", seller_id)
    made = await trade_in(seller_id, "sent", quote_cents=15_000)
    model_id, _, storage = await a_model()
    model = await ProductModel.select(ProductModel.name).where(ProductModel.id == model_id).first()
    return {**made, "login": account["email"], "model": model["name"], "storage": storage}


async def read(trade_in_id: int) -> dict:
    return await TradeIn.select(TradeIn.status, TradeIn.counter_cents, TradeIn.imei_or_serial).where(
        TradeIn.id == trade_in_id).first()


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


def test_a_refurbisher_prices_receives_inspects_and_counter_offers(live_server: str, live_store, browser) -> None:
    made = run(arrange())
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(LISTEN)
    page = context.new_page()
    sign_in(page, live_server, made["login"])
    page.get_by_role("link", name="Trade-in", exact=True).click()
    page.get_by_role("button", name="Turn trade-in on").click()
    page.get_by_text("Trade-in is on").first.wait_for()
    fits(page, 1366)

    page.get_by_role("link", name="Add a grid").click()
    page.get_by_label("Model").fill(made["model"])
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=made["model"], exact=True).click()
    page.wait_for_url(re.compile(r"/seller/trade-in/grids/\d+"))
    page.locator(f"#f-price_{made['storage']}_functional_good").fill("150")
    page.locator(f"#f-price_{made['storage']}_functional_used").fill("abc")
    page.get_by_role("button", name="Save the grid").click()
    page.get_by_text("Give the price in euros").wait_for()
    assert page.locator(f"#f-price_{made['storage']}_functional_good").input_value() == "150"
    fits(page, 1366)
    page.locator(f"#f-price_{made['storage']}_functional_used").fill("110")
    page.get_by_role("button", name="Save the grid").click()
    page.get_by_text("Grid saved.").wait_for()

    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone_context.add_init_script(LISTEN)
    phone = phone_context.new_page()
    sign_in(phone, live_server, made["login"])
    phone.goto(f"{live_server}/seller/trade-in/devices")
    phone.get_by_role("link", name=re.compile("^On the way")).click()
    phone.get_by_role("link", name=made["reference"]).click()
    phone.get_by_role("button", name="Mark the device received").click()
    phone.get_by_text("Marked received.").wait_for()
    fits(phone, 390)
    phone.get_by_label("IMEI or serial number").fill(VALID_IMEI)
    phone.get_by_label("State found").select_option("functional_used")
    phone.get_by_role("button", name="Record the inspection").click()
    phone.get_by_text("Inspection recorded.").wait_for()
    phone.locator("#f-photo").set_input_files(files=[{"name": "screen.jpg", "mimeType": "image/jpeg",
                                                      "buffer": JPEG}])
    phone.get_by_role("button", name="Add the photo").click()
    phone.get_by_text("Photo added.").wait_for()
    assert phone.get_by_role("img", name="Inspection photo 1").count() == 1
    phone.get_by_label("New price (€), less than the quote").fill("95")
    phone.get_by_label("The screen is more worn or damaged than declared").check()
    phone.get_by_label("Comment for the person").fill("A deep scratch across the screen.")
    phone.get_by_role("button", name="Send the counter-offer").click()
    phone.get_by_text("Counter-offer sent").wait_for()
    fits(phone, 390)
    assert run(read(made["id"])) == {"status": "counter_offered", "counter_cents": 9_500, "imei_or_serial": VALID_IMEI}
