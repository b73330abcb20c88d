"""Trade-in disputes raised from each side's own page, over HTTP: the person's trade-in page and the refurbisher's
device page in the seller portal. The dispute reaches the operator's console; the operator and the other side are
e-mailed; bad input comes back next to the field; someone else's trade-in is missing; the decision shows on both
pages. Each test makes its own refurbisher, person and trade-in (rows written directly, at the step wanted)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from litestar.testing import AsyncTestClient

from storefront.mail.tables import OutboxEmail
from storefront.settings import Settings
from storefront.tradein import operator
from storefront.tradein.tables import TradeInDispute
from tests.integration.commerce import make_account, post_form, sign_in
from tests.integration.test_referencing import exclusive_seller
from tests.integration.test_tradein_operator import as_operator, trade_in
from tests.integration.test_valid_html import nu_checker  # noqa: F401  (a fixture)


async def mails_about(reference: str, kind: str) -> list[str]:
    rows = await OutboxEmail.select(OutboxEmail.to_address).where(
        (OutboxEmail.kind == kind) & OutboxEmail.subject.like(f"%{reference}%")).order_by(OutboxEmail.id)
    return [row["to_address"] for row in rows]


async def test_the_person_raises_a_dispute_the_operator_sees_it_and_both_others_are_mailed(
        client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "counter_offered", counter_cents=9_000, found_state="functional_cracked")
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"
    assert "Raise a dispute with Encore" in (await client.get(page)).text

    answer = await post_form(client, page, f"{page}/dispute",
                             {"reason": "The screen was whole when I sent it."}, follow_redirects=False)

    assert (answer.status_code, answer.headers["location"]) == (303, f"{page}?done=disputed")
    shown = (await client.get(f"{page}?done=disputed")).text
    assert "Your dispute is sent to Encore&#39;s team, and the refurbisher is told." in shown
    assert "<strong>Waiting for Encore's decision.</strong>" in shown
    assert "The screen was whole when I sent it." in shown
    assert "Raise a dispute with Encore" not in shown  # one open at a time
    assert await mails_about(t["reference"], "tradein_dispute") == ["help@encore.example"]
    assert await mails_about(t["reference"], "tradein_dispute_raised") == [shop.email]
    await as_operator(client)
    console = (await client.get(f"/ops/trade-ins/{t['id']}")).text
    assert "Raised by the person" in console
    assert "The screen was whole when I sent it." in console


async def test_the_refurbisher_raises_a_dispute_and_the_operator_and_the_person_are_mailed(
        client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    await sign_in(client, shop.account_id)
    page = f"/seller/trade-in/devices/{t['id']}"
    assert "Raise a dispute with Encore" in (await client.get(page)).text

    answer = await post_form(client, page, f"{page}/dispute",
                             {"reason": "The parcel held another phone than the one declared."},
                             follow_redirects=False)

    assert (answer.status_code, answer.headers["location"]) == (303, f"{page}?done=disputed")
    shown = (await client.get(f"{page}?done=disputed")).text
    assert "The parcel held another phone than the one declared." in shown
    assert "Raised by you" in shown
    disputes = await TradeInDispute.select(TradeInDispute.raised_by).where(TradeInDispute.trade_in == t["id"])
    assert disputes == [{"raised_by": "refurbisher"}]
    assert await mails_about(t["reference"], "tradein_dispute") == ["help@encore.example"]
    assert await mails_about(t["reference"], "tradein_dispute_raised") == [t["person"]["email"]]


async def test_a_blank_or_short_reason_keeps_the_text_and_says_why_next_to_the_field(
        client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"

    blank = await post_form(client, page, f"{page}/dispute", {"reason": "   "})
    short = await post_form(client, page, f"{page}/dispute", {"reason": "Bad <b>"})

    assert blank.status_code == 400
    assert 'aria-describedby="f-dispute-reason-error"' in blank.text
    assert "Give the reasons" in blank.text
    assert short.status_code == 400
    assert ">Bad &lt;b&gt;</textarea>" in short.text
    assert "at least 10 characters" in short.text
    assert await TradeInDispute.count().where(TradeInDispute.trade_in == t["id"]) == 0
    await sign_in(client, shop.account_id)
    device = f"/seller/trade-in/devices/{t['id']}"
    seller_blank = await post_form(client, device, f"{device}/dispute", {"reason": ""})
    assert seller_blank.status_code == 400
    assert '<p class="field-error" id="f-reason-error">Give the reasons' in seller_blank.text


async def test_a_second_dispute_while_one_is_open_is_refused_next_to_the_field(client: AsyncTestClient,
                                                                               settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    await operator.raise_dispute(t["id"], "refurbisher", "The IMEI is on a blocklist.", settings=settings)
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"

    again = await post_form(client, page, f"{page}/dispute", {"reason": "The phone is mine, bought new."})

    assert again.status_code == 400
    assert "A dispute on this trade-in is already waiting for Encore" in again.text
    assert ">The phone is mine, bought new.</textarea>" in again.text
    assert await TradeInDispute.count().where(TradeInDispute.trade_in == t["id"]) == 1


async def test_no_dispute_before_the_refurbisher_has_the_device(client: AsyncTestClient) -> None:
    t = await trade_in(await exclusive_seller(), "sent")
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"
    assert "Raise a dispute" not in (await client.get(page)).text

    answer = await post_form(client, page, f"{page}/dispute", {"reason": "It is taking a long time."})

    assert answer.status_code == 409
    assert "A dispute is raised while the refurbisher has the device" in answer.text
    assert await TradeInDispute.count().where(TradeInDispute.trade_in == t["id"]) == 0


async def test_another_person_or_another_refurbisher_finds_nothing(client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    stranger = await make_account()
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"
    own_page = (await client.get(page)).text

    await sign_in(client, stranger["id"])
    person_answer = await post_form(client, "/account/trade-ins", f"{page}/dispute",
                                    {"reason": "Not my trade-in at all."})
    other_shop = await exclusive_seller()
    await sign_in(client, other_shop.account_id)
    device = f"/seller/trade-in/devices/{t['id']}"
    seller_answer = await post_form(client, "/seller/trade-in", f"{device}/dispute",
                                    {"reason": "Not my device at all."})

    assert "Raise a dispute" in own_page
    assert person_answer.status_code == 404
    assert seller_answer.status_code == 404
    assert await TradeInDispute.count().where(TradeInDispute.trade_in == t["id"]) == 0


async def test_the_decision_shows_with_its_reasons_on_both_pages(client: AsyncTestClient, settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "counter_offered", counter_cents=9_000, found_state="functional_cracked")
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"
    await post_form(client, page, f"{page}/dispute", {"reason": "The screen was whole when I sent it."})
    dispute = await TradeInDispute.select(TradeInDispute.id).where(TradeInDispute.trade_in == t["id"]).first()
    await as_operator(client)
    decided = await post_form(client, f"/ops/trade-ins/{t['id']}",
                              f"/ops/trade-ins/{t['id']}/disputes/{dispute['id']}/decide",
                              {"outcome": "pay", "reasons": "The carrier's photos show an intact screen."},
                              follow_redirects=False)
    assert decided.status_code == 303

    await sign_in(client, t["person"]["id"])
    person_page = (await client.get(page)).text
    await sign_in(client, shop.account_id)
    device_page = (await client.get(f"/seller/trade-in/devices/{t['id']}")).text

    for shown in (person_page, device_page):
        assert "<strong>Pay the quote to the person</strong>" in shown
        assert "The carrier&#39;s photos show an intact screen." in shown
        assert "Waiting for Encore" not in shown
        assert "Raise a dispute" not in shown  # paid: nothing left to dispute
    assert sorted(await mails_about(t["reference"], "tradein_dispute_decided")) == sorted(
        [t["person"]["email"], shop.email])


async def test_both_pages_with_a_dispute_and_an_error_are_valid_html(client: AsyncTestClient, settings: Settings,
                                                                     tmp_path: Path,
                                                                     nu_checker: list[str]) -> None:  # noqa: F811
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"
    person_refused = await post_form(client, page, f"{page}/dispute", {"reason": ""})
    await operator.raise_dispute(t["id"], "person", "The screen was whole when I sent it.", settings=settings)
    await sign_in(client, shop.account_id)
    device = f"/seller/trade-in/devices/{t['id']}"
    seller_refused = await post_form(client, device, f"{device}/dispute", {"reason": "It is not the phone declared."})
    assert (person_refused.status_code, seller_refused.status_code) == (400, 400)

    names = []
    for n, answer in enumerate((person_refused, seller_refused)):
        (tmp_path / f"page{n}.html").write_text(answer.text, encoding="utf-8")
        names.append(str(tmp_path / f"page{n}.html"))
    done = subprocess.run([*nu_checker, *names], capture_output=True, text=True, timeout=180)
    assert [m for m in json.loads(done.stderr or "{}").get("messages", []) if m.get("type") == "error"] == []
