"""Trade-in, accepting a quote and what it commits to, through HTTP: the person's return address (asked, checked,
kept on error, stored, shown to the refurbisher only once the device goes back), the return label the refurbisher's
send-back makes, the time to ship counted from accepting, the refurbisher re-checked at accepting, IBANs outside
SEPA, and the privacy notice's account of the trade-in data."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from storefront.mail.tables import OutboxEmail
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein import person, quotes
from storefront.tradein.quotes import ConditionAnswers
from storefront.tradein.states import ConditionState
from storefront.tradein.tables import GridPrice, PriceGrid, TradeIn, TradeInProgram
from storefront.web import sell
from tests.integration.commerce import csrf_from, make_account, sign_in
from tests.integration.test_referencing import ExclusiveSeller
from tests.integration.test_tradein_person import (  # noqa: F401 (remove_photos: the autouse clean-up)
    GOOD,
    RETURN_ADDRESS,
    accept_form,
    buyer,
    grid,
    quoted,
    refurbisher,
    remove_photos,
    token_of,
)

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


async def accept_as_new_person(client: AsyncTestClient, url: str, **changes: str):
    account = await make_account(name="Camille Martin")
    await sign_in(client, account["id"])
    client.follow_redirects = False
    form = (await client.get(url)).text
    answer = await client.post("/sell/accept", data=accept_form(token_of(url), csrf_from(form), **changes))
    return answer, account


def reference_of(answer) -> str:
    return answer.headers["location"].split("/")[-1].split("?")[0]


# 1. The return address


async def test_the_accept_form_asks_the_return_address_with_the_account_name(client: AsyncTestClient) -> None:
    _, url = await quoted(client)
    account = await make_account(name="Noé Bernard")
    await sign_in(client, account["id"])

    page = (await client.get(url)).text

    assert "Your address, for sending the device back" in page
    for name in ("return_name", "return_line1", "return_postcode", "return_city", "return_country"):
        assert f'name="{name}"' in page
    assert 'id="f-return_name" name="return_name" type="text" autocomplete="name" value="Noé Bernard"' in page
    assert '<option value="FR" selected>France</option>' in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"return_postcode": "6900"}, "return_postcode", "Enter a postcode as written in France."),
    ({"return_line1": ""}, "return_line1", "Enter the street and number."),
    ({"return_city": ""}, "return_city", "Enter the town or city."),
    ({"return_country": "US", "return_postcode": "10001"}, "return_country",
     "Choose the country from the list: we send devices back there only."),
])
async def test_a_bad_return_address_is_refused_next_to_its_field_and_kept(
        client: AsyncTestClient, changes: dict[str, str], field: str, message: str) -> None:
    _, url = await quoted(client)
    before = await TradeIn.count()

    answer, _ = await accept_as_new_person(client, url, **changes)

    assert answer.status_code == 400
    assert f'<p class="field-error" id="f-{field}-error">{message}</p>' in answer.text
    assert 'value="19AB12345"' in answer.text  # the rest of what was typed is kept
    kept = {**RETURN_ADDRESS, **changes}
    assert f'value="{kept["return_name"]}"' in answer.text
    if field != "return_line1":
        assert 'value="3 rue des Lilas"' in answer.text
    assert await TradeIn.count() == before


async def test_accepting_stores_the_return_address(client: AsyncTestClient) -> None:
    _, url = await quoted(client)

    answer, _ = await accept_as_new_person(client, url, return_postcode=" 69003 ", return_line1="3 rue des Lilas ")

    assert answer.status_code == 303
    row = await TradeIn.select(TradeIn.return_name, TradeIn.return_line1, TradeIn.return_postcode,
                               TradeIn.return_city, TradeIn.return_country).where(
        TradeIn.reference == reference_of(answer)).first()
    assert row == {"return_name": "Camille Martin", "return_line1": "3 rue des Lilas", "return_postcode": "69003",
                   "return_city": "Lyon", "return_country": "FR"}


async def seller_sees(client: AsyncTestClient, shop: ExclusiveSeller, trade_in_id: int) -> str:
    await sign_in(client, shop.account_id)
    page = await client.get(f"/seller/trade-in/devices/{trade_in_id}")
    assert page.status_code == 200
    return page.text


async def test_the_refurbisher_reads_the_return_address_only_once_the_device_goes_back(
        client: AsyncTestClient) -> None:
    shop, url = await quoted(client)
    answer, _ = await accept_as_new_person(client, url)
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference_of(answer)).first()

    pages = {}
    for status in ("to_send", "received", "counter_offered", "returning"):
        await TradeIn.update({TradeIn.status: status, TradeIn.counter_cents: 9_000}).where(TradeIn.id == row["id"])
        pages[status] = await seller_sees(client, shop, row["id"])

    for status in ("to_send", "received", "counter_offered"):
        assert "3 rue des Lilas" not in pages[status] and "69003" not in pages[status]
    assert "<address>Camille Martin<br>3 rue des Lilas<br>69003 Lyon<br>France</address>" in pages["returning"]
    for page in pages.values():  # how the person is paid and who they are on paper: never
        assert "FR1420041010050500013M02606" not in page and "19AB12345" not in page


async def test_send_back_makes_a_return_label_to_the_person_and_tells_them_its_tracking_number(
        client: AsyncTestClient) -> None:
    shop, url = await quoted(client)
    answer, account = await accept_as_new_person(client, url)
    reference = reference_of(answer)
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference).first()
    await TradeIn.update({TradeIn.status: "returning", TradeIn.counter_cents: 9_000}).where(TradeIn.id == row["id"])
    page = f"/seller/trade-in/devices/{row['id']}"
    before = await seller_sees(client, shop, row["id"])
    assert f'action="{page}/send-back"' in before
    assert (await client.get(page + "/return-label.pdf")).status_code == 404  # no label before the send-back

    sent = await client.post(page + "/send-back", data={"_csrf": csrf_from(before)})

    assert sent.status_code == 303
    stored = await TradeIn.select(TradeIn.status, TradeIn.return_tracking_number,
                                  TradeIn.return_label_carrier).where(TradeIn.id == row["id"]).first()
    tracking = stored["return_tracking_number"]
    assert re.fullmatch(r"ER\d{12}", tracking)
    assert (stored["status"], stored["return_label_carrier"]) == ("returned", "Encore Returns (sandbox)")
    after = (await client.get(page + "?done=returned")).text
    assert f'href="{page}/return-label.pdf"' in after
    label = await client.get(page + "/return-label.pdf")
    assert label.status_code == 200
    assert label.headers["content-type"] == "application/pdf"
    assert label.headers["cache-control"] == "private, no-store"
    text = PdfReader(io.BytesIO(label.content)).pages[0].extract_text()
    for line in (tracking, "Camille Martin", "3 rue des Lilas", "69003 Lyon", "France", shop.name,
                 f"Trade-in {reference}"):
        assert line in text
    mail = await OutboxEmail.select(OutboxEmail.body).where(
        (OutboxEmail.to_address == account["email"]) & (OutboxEmail.kind == "tradein_returned")).first()
    assert f"Tracking number: {tracking} (Encore Returns (sandbox))" in mail["body"]
    await sign_in(client, account["id"])
    mine = (await client.get(f"/account/trade-ins/{reference}")).text
    assert f"<dt>Return tracking</dt><dd>{tracking}</dd>" in mine


async def test_the_return_label_is_only_its_refurbishers(client: AsyncTestClient) -> None:
    shop, url = await quoted(client)
    answer, account = await accept_as_new_person(client, url)
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference_of(answer)).first()
    await TradeIn.update({TradeIn.status: "returning", TradeIn.counter_cents: 9_000}).where(TradeIn.id == row["id"])
    page = f"/seller/trade-in/devices/{row['id']}"
    html = await seller_sees(client, shop, row["id"])
    assert (await client.post(page + "/send-back", data={"_csrf": csrf_from(html)})).status_code == 303
    other = await refurbisher()

    await sign_in(client, other.account_id)
    assert (await client.get(page + "/return-label.pdf")).status_code == 404
    await sign_in(client, account["id"])
    assert (await client.get(page + "/return-label.pdf")).status_code == 403


async def test_a_trade_in_without_a_return_address_cannot_be_sent_back(client: AsyncTestClient) -> None:
    shop, url = await quoted(client)
    answer, _ = await accept_as_new_person(client, url)
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference_of(answer)).first()
    await TradeIn.update({TradeIn.status: "returning", TradeIn.counter_cents: 9_000, TradeIn.return_line1: ""}).where(
        TradeIn.id == row["id"])
    page = f"/seller/trade-in/devices/{row['id']}"
    html = await seller_sees(client, shop, row["id"])

    refused = await client.post(page + "/send-back", data={"_csrf": csrf_from(html)})

    assert refused.status_code == 400
    assert 'id="f-send_back-error">This trade-in has no return address, so no label can be made' in refused.text
    assert (await TradeIn.select(TradeIn.status).where(TradeIn.id == row["id"]).first()) == {"status": "returning"}


# 2. The time to ship counts from accepting


async def test_the_time_to_ship_counts_from_accepting_not_from_the_quote(
        client: AsyncTestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = await refurbisher()
    await buyer(shop.seller_id)
    await grid(shop.seller_id, shop.model_id, {ConditionState.functional_good: 21_000})
    shown = NOW - dt.timedelta(days=13, hours=20)  # 16 November 2026, 16:00
    quote = await quotes.best_quote(shop.model_id, 64, ConditionAnswers(**GOOD), valid_days=14, now=shown)
    assert quote is not None and quote.valid_until == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    url = "/sell/accept?token=" + quotes.token_for(quote, settings.secret_key)
    monkeypatch.setattr(person, "now_utc", lambda: NOW)
    monkeypatch.setattr(sell, "now_utc", lambda: NOW)

    answer, _ = await accept_as_new_person(client, url)

    assert answer.status_code == 303
    row = await TradeIn.select(TradeIn.ship_by, TradeIn.created_at).where(
        TradeIn.reference == reference_of(answer)).first()
    assert row == {"ship_by": dt.datetime(2026, 12, 14, 12, 0, tzinfo=dt.UTC), "created_at": NOW}
    mine = (await client.get(answer.headers["location"])).text
    assert '">14 December 2026</time>' in mine


# 3. Accepting re-checks that the refurbisher still buys


async def dereference(shop: ExclusiveSeller) -> None:
    await Seller.update({Seller.status: "dereferenced"}).where(Seller.id == shop.seller_id)


async def programme_off(shop: ExclusiveSeller) -> None:
    await TradeInProgram.update({TradeInProgram.enabled: False}).where(TradeInProgram.seller == shop.seller_id)


async def pause_grid(shop: ExclusiveSeller) -> None:
    await PriceGrid.update({PriceGrid.paused: True}).where(PriceGrid.seller == shop.seller_id)


async def remove_price(shop: ExclusiveSeller) -> None:
    grids = [row["id"] for row in await PriceGrid.select(PriceGrid.id).where(PriceGrid.seller == shop.seller_id)]
    await GridPrice.delete().where(GridPrice.grid.is_in(grids))


@pytest.mark.parametrize("change", [dereference, programme_off, pause_grid, remove_price])
async def test_a_refurbisher_that_no_longer_buys_is_not_held_to_its_quote(client: AsyncTestClient, change) -> None:
    shop, url = await quoted(client)
    await change(shop)
    before = await TradeIn.count()

    answer, _ = await accept_as_new_person(client, url)

    assert answer.status_code == 400
    assert (f"<p>{shop.name} no longer buys this device, so this offer cannot be accepted. Ask for a new quote: "
            "another refurbisher may buy it.</p>") in answer.text
    fresh = re.search(r'<a class="button" href="(/sell\?[^"]+)">Get a new quote</a>', answer.text)
    assert fresh is not None
    assert f"model={shop.model_id}&amp;storage=64&amp;works=yes&amp;screen=scratches&amp;body=flawless" \
           "&amp;locks_removed=yes" in fresh.group(1)
    assert 'action="/sell/accept"' not in answer.text
    assert await TradeIn.count() == before


# 4. IBANs outside SEPA


async def test_an_iban_outside_sepa_is_refused(client: AsyncTestClient) -> None:
    _, url = await quoted(client)
    before = await TradeIn.count()

    answer, _ = await accept_as_new_person(client, url, iban="AE07 0331 2345 6789 0123 456")

    assert answer.status_code == 400
    assert ('<p class="field-error" id="f-iban-error">We pay by SEPA credit transfer, and this IBAN\'s country is '
            "outside the SEPA area") in answer.text.replace("&#39;", "'")
    assert 'value="AE07 0331 2345 6789 0123 456"' in answer.text
    assert await TradeIn.count() == before


@pytest.mark.parametrize("iban", ["CH9300762011623852957", "GB29NWBK60161331926819"])
async def test_an_iban_of_a_sepa_country_outside_the_eu_is_accepted(client: AsyncTestClient, iban: str) -> None:
    _, url = await quoted(client)

    answer, _ = await accept_as_new_person(client, url, iban=iban)

    assert answer.status_code == 303
    assert (await TradeIn.select(TradeIn.iban).where(TradeIn.reference == reference_of(answer)).first()) == {
        "iban": iban}


# 5. The privacy notice


async def test_the_privacy_notice_tells_what_a_trade_in_keeps_and_who_sees_it(client: AsyncTestClient) -> None:
    page = " ".join((await client.get("/legal/privacy")).text.split())

    for words in ("your identity document's type and number, your IBAN and the account holder's name, your return "
                  "address", "up to 6 inspection photos", 'href="/legal/trade-in"',
                  "your return address only once the device is to be sent back to you",
                  "The refurbisher never sees your IBAN or your identity document's number",
                  "is kept with our accounting records and is not deleted automatically"):
        assert words in page, words
