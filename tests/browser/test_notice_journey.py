"""Notice and action in Chromium: a visitor without an account reports an offer as illegal, the operator
finds the notice, dereferences the seller for a breach, and the seller's offers are gone from search."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from search_index.drain import OutboxDrainer
from search_index.service import backend_from_settings
from storefront.catalog.outbox import mark_model_for_reindex
from storefront.demo.accounts import OPERATOR
from storefront.mail.tables import OutboxEmail
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller

pytestmark = pytest.mark.browser


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database work runs in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def listed_seller(settings) -> ExclusiveSeller:
    shop = await exclusive_seller()
    await mark_model_for_reindex(shop.model_id)
    await OutboxDrainer(backend_from_settings(settings), settings.ranking).drain()
    return shop


async def mail_kinds(address: str) -> list[str]:
    return [m["kind"] for m in await OutboxEmail.select(OutboxEmail.kind).where(OutboxEmail.to_address == address)]


def test_a_notice_leads_the_operator_to_dereference_the_seller(live_server: str, live_store, browser) -> None:
    shop = run(listed_seller(live_store))
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    visitor.add_init_script(LISTEN)
    page = visitor.new_page()
    page.goto(f"{live_server}/search?q={shop.product_name.replace(' ', '+')}")
    page.get_by_role("link", name=re.compile(shop.product_name)).first.click()
    page.wait_for_url(re.compile(r"/p/"))
    assert shop.name in page.content()

    report = page.get_by_role("link", name="Report illegal content", exact=True)
    page.locator(".grade-offer").filter(has=report).first.get_by_role("link", name="Report illegal content").click()
    page.wait_for_url(re.compile(r"/report\?subject=offer:"))
    assert_accessible(page)
    page.get_by_label("Why is it illegal?").select_option("consumer_law")
    page.get_by_label("Explain why").fill("The listing says the walkie-talkie is brand new, yet it is sold as "
                                          "refurbished: that misleads buyers.")
    page.get_by_label("Your name").fill("Noa Notifier")
    page.get_by_label("Your e-mail address").fill("noa@example.org")
    page.get_by_label(re.compile("I believe in good faith")).check()
    page.get_by_role("button", name="Send the notice").click()
    page.wait_for_url(re.compile(r"/report/sent"))
    assert_accessible(page)
    assert "notice_received" in run(mail_kinds("noa@example.org"))
    assert not visitor.cookies(), "reporting needs no account and leaves no cookie"

    console = browser.new_context(viewport={"width": 1366, "height": 900})
    console.add_init_script(LISTEN)
    ops = console.new_page()
    ops.goto(f"{live_server}/login?next=/ops/notices")
    ops.get_by_label("E-mail address").fill(OPERATOR[0])
    ops.get_by_label("Password").fill(OPERATOR[2])
    ops.get_by_role("button", name="Sign in").click()
    ops.wait_for_url(re.compile(r"/ops/notices$"))
    assert_accessible(ops)
    ops.get_by_role("link", name=re.compile(shop.product_name)).first.click()
    ops.wait_for_url(re.compile(r"/ops/notices/\d+"))
    assert "The listing says the walkie-talkie is brand new" in ops.content()
    ops.get_by_role("link", name="The seller in the console").click()
    ops.wait_for_url(re.compile(rf"/ops/sellers/{shop.seller_id}$"))
    assert_accessible(ops)
    ops.get_by_label("Dereference now, for a breach").check()
    ops.get_by_label("Ground (for a breach)").select_option("law")
    ops.get_by_label("Facts").fill("Its offer calls a refurbished device brand new (notice from a visitor).")
    ops.get_by_role("button", name="Take this measure").click()
    ops.get_by_text("its offers have left search").wait_for()
    assert_accessible(ops)

    page.goto(f"{live_server}/search?q={shop.product_name.replace(' ', '+')}")
    assert page.get_by_role("link", name=re.compile(shop.product_name)).count() == 0
    gone = page.goto(f"{live_server}/p/{shop.slug}")
    assert gone.status == 410, "no other seller offers the product"
    assert "statement_of_reasons" in run(mail_kinds(shop.email))
    assert "notice_decision" in run(mail_kinds("noa@example.org")), "the notifier is told the outcome"
    visitor.close()
    console.close()

