"""Trade-in in Chromium, a dispute: the person whose device the refurbisher has raises a dispute from the
trade-in page, on a phone, and sees it waiting for Encore's decision; the page is checked with axe and for
sideways scrolling."""
from __future__ import annotations

import pytest

from tests.browser.test_tradein_seller_journey import fits, run, sign_in
from tests.integration.test_referencing import exclusive_seller
from tests.integration.test_tradein_operator import trade_in

pytestmark = pytest.mark.browser


async def arrange() -> dict:
    return await trade_in(await exclusive_seller(), "received")


def test_the_person_raises_a_dispute_and_sees_it_waiting(live_server: str, live_store, phone) -> None:
    made = run(arrange())
    page = phone
    sign_in(page, live_server, made["person"]["email"])
    page.goto(f"{live_server}/account/trade-ins/{made['reference']}")

    page.get_by_label("What went wrong").fill("The refurbisher says it is cracked; it was whole.")
    page.get_by_role("button", name="Raise the dispute").click()

    page.get_by_text("Waiting for Encore's decision.").wait_for()
    assert page.get_by_text("The refurbisher says it is cracked; it was whole.").count() == 2  # dispute, history
    fits(page, 390)
