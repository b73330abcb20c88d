"""Trade-in, the refurbisher's side, through HTTP: the programme and its figures, grids by form and by CSV,
incoming devices, inspection (IMEI, blocklist, photos), payment through the ledger, counter-offers and returns.

Each test makes its own refurbishers, people and trade-ins (rows written directly: the person's accepting flow is
another module's) on its own copy of the demo store; photos go to the test's own folder."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.catalog.tables import ProductModel, Variant
from storefront.errors import Refused
from storefront.mail.tables import OutboxEmail
from storefront.payments.tables import LedgerEntry
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein import inspection
from storefront.tradein.tables import GridPrice, PriceGrid, TradeIn, TradeInEvent, TradeInPhoto, TradeInProgram
from tests.integration.builders import credit_balance
from tests.integration.commerce import csrf_from, make_account, sign_in

NOW = dt.datetime.now(dt.UTC)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 400
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 400
GIF = b"GIF89a" + b"\x00" * 400
VALID_IMEI = "352099001761481"  # its Luhn digit is right
WRONG_LUHN = "352099001761482"
STOLEN_IMEI = "356938035643809"  # on the sandbox register


async def _store(settings: Settings, backend, tmp_path: Path, **tradein) -> AsyncIterator[AsyncTestClient]:
    rules = dataclasses.replace(settings.tradein, photos_dir=tmp_path / "photos", **tradein)
    app = create_app(dataclasses.replace(settings, tradein=rules), backend)
    async with AsyncTestClient(app=app) as client:
        client.follow_redirects = False
        yield client


@pytest.fixture
async def web(prepared_store: Settings, backend, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    async for client in _store(prepared_store, backend, tmp_path):
        yield client


@pytest.fixture
async def web_with_commission(prepared_store: Settings, backend, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    async for client in _store(prepared_store, backend, tmp_path, photo_max_bytes=10_000, photo_max_count=2,
                               commission_basis_points=500):
        yield client


async def refurbisher(client: AsyncTestClient | None = None) -> int:
    """A referenced seller; signed in on the client when one is given."""
    tag = uuid.uuid4().hex[:8]
    seller = Seller(name=f"Refurb {tag}", slug=f"refurb-{tag}", legal_name=f"Refurb {tag} SAS",
                    email=f"refurb-{tag}@example.com", status="referenced", self_certified=True, joined_at=NOW)
    await seller.save()
    if client is not None:
        account = await make_account("seller", seller.id)
        await sign_in(client, account["id"])
    return seller.id


async def a_model() -> tuple[int, str, int]:
    """A model of the demo catalogue with storage sizes: its id, slug and smallest storage."""
    variant = await Variant.select(Variant.model, Variant.storage_gb).where(
        Variant.storage_gb.is_not_null()).order_by(Variant.id).first()
    assert variant is not None
    model = await ProductModel.select(ProductModel.slug).where(ProductModel.id == variant["model"]).first()
    assert model is not None
    sizes = await Variant.select(Variant.storage_gb).where(Variant.model == variant["model"])
    return variant["model"], model["slug"], min(row["storage_gb"] for row in sizes if row["storage_gb"])


async def trade_in(seller_id: int, status: str = "sent", quote_cents: int = 15_000, **values) -> dict:
    person = await make_account(name="Léa Dupont")
    model_id, _, storage = await a_model()
    row = TradeIn(reference=f"TI-{uuid.uuid4().hex[:10].upper()}", account=person["id"], seller=seller_id,
                  model=model_id, storage_gb=storage, declared_state="functional_good", quote_cents=quote_cents,
                  status=status, ship_by=NOW + dt.timedelta(days=14), id_document_type="passport",
                  id_document_number="X1234567", iban="FR7630006000011234567890189", holder_name="Léa Dupont",
                  ownership_declared=True, created_at=NOW, updated_at=NOW, **values)
    await row.save()
    return {"id": row.id, "reference": row.reference, "email": person["email"]}


async def post(client: AsyncTestClient, page: str, action: str, data: dict | None = None, **kwargs):
    html = (await client.get(page)).text
    return await client.post(action, data={"_csrf": csrf_from(html), **(data or {})}, **kwargs)


def device_page(trade_in_id: int) -> str:
    return f"/seller/trade-in/devices/{trade_in_id}"


async def status_of(trade_in_id: int) -> str:
    row = await TradeIn.select(TradeIn.status).where(TradeIn.id == trade_in_id).first()
    assert row is not None
    return row["status"]


# The programme and its figures


async def test_programme_turns_on_and_off(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    assert "Trade-in is <strong>off</strong>" in (await web.get("/seller/trade-in")).text
    on = await post(web, "/seller/trade-in", "/seller/trade-in/program", {"enabled": "on"})
    assert on.status_code == 303
    assert (await TradeInProgram.select(TradeInProgram.enabled).where(TradeInProgram.seller == seller_id).first()
            )["enabled"] is True
    assert "Trade-in is <strong>on</strong>" in (await web.get("/seller/trade-in")).text
    await post(web, "/seller/trade-in", "/seller/trade-in/program", {"enabled": "off"})
    rows = await TradeInProgram.select().where(TradeInProgram.seller == seller_id)
    assert [row["enabled"] for row in rows] == [False]


async def test_figures_come_from_the_trade_ins(web: AsyncTestClient, settings: Settings) -> None:
    seller_id = await refurbisher(web)
    page = (await web.get("/seller/trade-in")).text
    assert "Devices bought</dt><dd>0</dd>" in page and "none yet" in page
    received_at = NOW - dt.timedelta(days=3)
    paid, countered = await trade_in(seller_id, "paid"), await trade_in(seller_id, "counter_offered")
    third = await trade_in(seller_id, "paid")
    for made, decision, days in ((paid, "paid", 2), (countered, "counter_offered", 3), (third, "paid", 1)):
        await TradeInEvent.insert(
            TradeInEvent(trade_in=made["id"], status="received", actor="refurbisher", created_at=received_at),
            TradeInEvent(trade_in=made["id"], status=decision, actor="refurbisher",
                         created_at=received_at + dt.timedelta(days=days)))
    page = (await web.get("/seller/trade-in")).text
    assert "Devices bought</dt><dd>2</dd>" in page
    assert "33.3\N{NO-BREAK SPACE}% (1 of 3 inspected devices)" in page
    assert "2.0 days" in page


# Grids by form


async def test_grid_form_keeps_what_was_typed_and_says_what_is_wrong(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    model_id, _, storage = await a_model()
    page = f"/seller/trade-in/grids/{model_id}"
    good, bad, too_much = (f"price_{storage}_functional_flawless", f"price_{storage}_functional_good",
                           f"price_{storage}_functional_used")
    response = await post(web, page, page, {good: "150", bad: "abc", too_much: "9000"})
    assert response.status_code == 400
    assert 'value="150"' in response.text and 'value="abc"' in response.text
    assert f'id="f-{bad}-error">Give the price in euros' in response.text
    assert f'id="f-{too_much}-error">From €1.00 to €5,000.00' in response.text
    assert await PriceGrid.count().where(PriceGrid.seller == seller_id) == 0


async def test_grid_form_saves_prices_in_cents_and_empty_is_not_bought(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    model_id, _, storage = await a_model()
    page = f"/seller/trade-in/grids/{model_id}"
    response = await post(web, page, page, {f"price_{storage}_functional_flawless": "149,50",
                                            f"price_{storage}_not_functional_cracked": "12"})
    assert response.status_code == 303
    grid = await PriceGrid.select().where(PriceGrid.seller == seller_id).first()
    prices = await GridPrice.select(GridPrice.storage_gb, GridPrice.state, GridPrice.price_cents).where(
        GridPrice.grid == grid["id"]).order_by(GridPrice.price_cents)
    assert prices == [{"storage_gb": storage, "state": "not_functional_cracked", "price_cents": 1200},
                      {"storage_gb": storage, "state": "functional_flawless", "price_cents": 14950}]
    # Emptying a price removes it.
    await post(web, page, page, {f"price_{storage}_functional_flawless": "149.50"})
    assert await GridPrice.count().where(GridPrice.grid == grid["id"]) == 1


async def test_a_grid_pauses_and_resumes(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    model_id, _, storage = await a_model()
    page = f"/seller/trade-in/grids/{model_id}"
    await post(web, page, page, {f"price_{storage}_functional_good": "100"})
    await post(web, "/seller/trade-in", f"/seller/trade-in/grids/{model_id}/pause", {"paused": "yes"})
    assert (await PriceGrid.select(PriceGrid.paused).where(PriceGrid.seller == seller_id).first())["paused"] is True
    await post(web, "/seller/trade-in", f"/seller/trade-in/grids/{model_id}/pause", {"paused": "no"})
    assert (await PriceGrid.select(PriceGrid.paused).where(PriceGrid.seller == seller_id).first())["paused"] is False


async def test_another_sellers_grid_cannot_be_paused(web: AsyncTestClient) -> None:
    other = await refurbisher()
    model_id, _, _ = await a_model()
    await PriceGrid.insert(PriceGrid(seller=other, model=model_id, paused=False, updated_at=NOW))
    await refurbisher(web)
    response = await post(web, "/seller/trade-in", f"/seller/trade-in/grids/{model_id}/pause", {"paused": "yes"})
    assert response.status_code == 404
    assert (await PriceGrid.select(PriceGrid.paused).where(PriceGrid.seller == other).first())["paused"] is False


# Grids by CSV


def _file(text: str) -> dict:
    return {"file": ("grids.csv", text.encode("utf-8"), "text/csv")}


async def test_csv_preview_then_apply(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    model_id, slug, storage = await a_model()
    page = f"/seller/trade-in/grids/{model_id}"
    await post(web, page, page, {f"price_{storage}_functional_good": "100", f"price_{storage}_functional_used": "80"})
    text = (f"model_slug,storage_gb,state,price\r\n{slug},{storage},functional_good,120\r\n"
            f"{slug},{storage},functional_used,80.00\r\n{slug},{storage},functional_flawless,150\r\n")
    preview = await post(web, "/seller/trade-in/import", "/seller/trade-in/import", files=_file(text))
    assert preview.status_code == 200
    assert "1 to create, 1 to change, 0 to remove, 1 unchanged, 0 rejected" in preview.text
    # Nothing changes before applying.
    assert await GridPrice.count().where(GridPrice.price_cents == 12_000) == 0
    applied = await web.post("/seller/trade-in/import/apply", data={"_csrf": csrf_from(preview.text), "csv": text})
    assert applied.status_code == 303
    prices = await GridPrice.select(GridPrice.state, GridPrice.price_cents).where(
        GridPrice.grid.seller == seller_id).order_by(GridPrice.price_cents)
    assert prices == [{"state": "functional_used", "price_cents": 8000},
                      {"state": "functional_good", "price_cents": 12000},
                      {"state": "functional_flawless", "price_cents": 15000}]
    export = await web.get("/seller/trade-in/grids.csv")
    assert export.headers["cache-control"] == "private, no-store"
    assert f"{slug},{storage},functional_good,120.00" in export.text


async def test_csv_rejected_rows_say_their_line_and_nothing_is_applied(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    _, slug, storage = await a_model()
    text = (f"model_slug,storage_gb,state,price\n{slug},{storage},functional_good,120\n"
            f"no-such-model,{storage},functional_good,10\n{slug},{storage},shiny,10\n"
            f"{slug},{storage},functional_used,=1+2\n{slug},{storage},functional_good,130\n")
    preview = await post(web, "/seller/trade-in/import", "/seller/trade-in/import", files=_file(text))
    assert "1 to create, 0 to change, 0 to remove, 0 unchanged, 4 rejected" in preview.text
    assert "No model “no-such-model” in the catalogue" in preview.text
    assert "state must be one of" in preview.text
    assert "starts like a spreadsheet formula" in preview.text
    assert "already on line 2" in preview.text
    assert "Apply these changes" not in preview.text
    # Posting the file anyway applies nothing of it: all or nothing.
    applied = await web.post("/seller/trade-in/import/apply", data={"_csrf": csrf_from(preview.text), "csv": text})
    assert applied.status_code == 400
    assert "4 row(s) are rejected: nothing was changed" in applied.text
    assert await GridPrice.count().where(GridPrice.grid.seller == seller_id) == 0


async def test_csv_that_is_not_utf8_or_lacks_columns_is_refused(web: AsyncTestClient) -> None:
    await refurbisher(web)
    latin = await post(web, "/seller/trade-in/import", "/seller/trade-in/import",
                       files={"file": ("grids.csv", "model_slug;storage_gb;state;price\né".encode("latin-1"))})
    assert latin.status_code == 400 and "not UTF-8" in latin.text
    columns = await post(web, "/seller/trade-in/import", "/seller/trade-in/import", files=_file("a,b\n1,2\n"))
    assert columns.status_code == 400 and "must name the columns" in columns.text


# Incoming devices and inspection


async def test_mark_received_then_inspect_with_a_valid_imei(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "sent")
    assert (await post(web, device_page(made["id"]), device_page(made["id"]) + "/received")).status_code == 303
    assert await status_of(made["id"]) == "received"
    listed = await web.get("/seller/trade-in/devices?status=received")
    assert made["reference"] in listed.text
    response = await post(web, device_page(made["id"]), device_page(made["id"]) + "/inspect",
                          {"imei_or_serial": VALID_IMEI, "found_state": "functional_used"})
    assert response.status_code == 303
    row = await TradeIn.select(TradeIn.imei_or_serial, TradeIn.found_state).where(TradeIn.id == made["id"]).first()
    assert row == {"imei_or_serial": VALID_IMEI, "found_state": "functional_used"}
    subjects = await OutboxEmail.select(OutboxEmail.subject).where(OutboxEmail.to_address == made["email"])
    assert [s["subject"].endswith("your device arrived") for s in subjects] == [True]


async def test_an_imei_with_a_wrong_check_digit_is_refused_next_to_its_field(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "received")
    response = await post(web, device_page(made["id"]), device_page(made["id"]) + "/inspect",
                          {"imei_or_serial": WRONG_LUHN, "found_state": "functional_used"})
    assert response.status_code == 400
    assert f'value="{WRONG_LUHN}"' in response.text
    assert 'id="f-imei_or_serial-error">This is not a valid IMEI' in response.text
    short = await post(web, device_page(made["id"]), device_page(made["id"]) + "/inspect",
                       {"imei_or_serial": "AB1", "found_state": ""})
    assert "A serial number is 6 to 20 letters or digits." in short.text
    assert "Choose the state you found the device in." in short.text
    serial = await post(web, device_page(made["id"]), device_page(made["id"]) + "/inspect",
                        {"imei_or_serial": "C39XK2LMN0P1", "found_state": "functional_good"})
    assert serial.status_code == 303


async def test_a_blocklisted_imei_suspends_the_trade_in_for_the_operator(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "received")
    response = await post(web, device_page(made["id"]), device_page(made["id"]) + "/inspect",
                          {"imei_or_serial": STOLEN_IMEI, "found_state": "functional_good"})
    assert response.status_code == 303 and "done=suspended" in response.headers["location"]
    row = await TradeIn.select(TradeIn.status, TradeIn.suspended_from).where(TradeIn.id == made["id"]).first()
    assert row == {"status": "suspended", "suspended_from": "received"}
    # Neither paid nor counter-offered.
    assert (await post(web, device_page(made["id"]), device_page(made["id"]) + "/pay")).status_code == 400
    assert await LedgerEntry.count().where(LedgerEntry.transaction == f"tip:{made['reference']}") == 0


# Photos


async def test_photos_jpeg_and_png_kept_others_refused(web_with_commission: AsyncTestClient,
                                                       tmp_path: Path) -> None:
    web = web_with_commission  # photos: at most 10 kB and 2 per device here
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "received")
    page, action = device_page(made["id"]), device_page(made["id"]) + "/photos"
    gif = await post(web, page, action, files={"photo": ("photo.gif", GIF, "image/gif")})
    assert gif.status_code == 400 and "Only JPEG or PNG photos are accepted." in gif.text
    text = await post(web, page, action, files={"photo": ("photo.jpg", b"just some text", "image/jpeg")})
    assert text.status_code == 400 and "Only JPEG or PNG photos are accepted." in text.text
    large = await post(web, page, action, files={"photo": ("big.jpg", JPEG + b"\x00" * 10_000, "image/jpeg")})
    assert large.status_code == 400 and "larger than 10 kB" in large.text
    assert (await post(web, page, action, files={"photo": ("a.jpg", JPEG, "image/jpeg")})).status_code == 303
    assert (await post(web, page, action, files={"photo": ("b.png", PNG, "image/png")})).status_code == 303
    third = await post(web, page, action, files={"photo": ("c.png", PNG, "image/png")})
    assert third.status_code == 400 and "At most 2 photos per device." in third.text
    rows = await TradeInPhoto.select().where(TradeInPhoto.trade_in == made["id"]).order_by(TradeInPhoto.id)
    assert [row["content_type"] for row in rows] == ["image/jpeg", "image/png"]
    assert sorted(path.name for path in (tmp_path / "photos").iterdir()) == sorted(r["storage_key"] for r in rows)
    shown = await web.get(f"{page}/photos/{rows[0]['id']}")
    assert shown.status_code == 200 and shown.content == JPEG
    assert shown.headers["cache-control"] == "private, no-store"
    assert shown.headers["content-type"] == "image/jpeg"


async def test_photos_are_not_reachable_by_another_seller_or_anonymously(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "received")
    page = device_page(made["id"])
    await post(web, page, page + "/photos", files={"photo": ("a.jpg", JPEG, "image/jpeg")})
    photo = await TradeInPhoto.select(TradeInPhoto.id).where(TradeInPhoto.trade_in == made["id"]).first()
    url = f"{page}/photos/{photo['id']}"
    assert (await web.get(url)).status_code == 200
    await refurbisher(web)  # another refurbisher signs in on the same client
    assert (await web.get(url)).status_code == 404
    assert (await web.get(page)).status_code == 404
    web.cookies.clear()
    anonymous = await web.get(url)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


# Paying, counter-offering, sending back


async def _inspected(web: AsyncTestClient, quote_cents: int = 15_000) -> dict:
    seller_id = await refurbisher(web)
    await credit_balance(seller_id, 100_000)  # its sales pay for the devices
    made = await trade_in(seller_id, "received", quote_cents, imei_or_serial=VALID_IMEI,
                          found_state="functional_good")
    return {**made, "seller": seller_id}


async def _entries(reference: str) -> list[dict]:
    return await LedgerEntry.select(LedgerEntry.account, LedgerEntry.seller, LedgerEntry.amount_cents).where(
        LedgerEntry.transaction == f"tip:{reference}").order_by(LedgerEntry.account)


async def test_paying_the_quote_books_a_balanced_transaction(web: AsyncTestClient) -> None:
    made = await _inspected(web)
    response = await post(web, device_page(made["id"]), device_page(made["id"]) + "/pay")
    assert response.status_code == 303
    row = await TradeIn.select(TradeIn.status, TradeIn.paid_cents, TradeIn.commission_cents).where(
        TradeIn.id == made["id"]).first()
    assert row == {"status": "paid", "paid_cents": 15_000, "commission_cents": 0}
    entries = await _entries(made["reference"])
    assert {(e["account"], e["seller"], e["amount_cents"]) for e in entries} == {
        ("seller_payable", made["seller"], 15_000), ("tradein_payable", None, -15_000)}
    assert sum(e["amount_cents"] for e in entries) == 0


async def test_paying_with_a_commission_of_5_percent(web_with_commission: AsyncTestClient) -> None:
    made = await _inspected(web_with_commission)
    await post(web_with_commission, device_page(made["id"]), device_page(made["id"]) + "/pay")
    entries = {(e["account"], e["amount_cents"]) for e in await _entries(made["reference"])}
    assert entries == {("seller_payable", 15_750), ("tradein_payable", -15_000),
                       ("platform_tradein_commission", -750)}
    row = await TradeIn.select(TradeIn.paid_cents, TradeIn.commission_cents).where(TradeIn.id == made["id"]).first()
    assert row == {"paid_cents": 15_000, "commission_cents": 750}


async def test_paying_needs_the_inspection_first(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "received")
    response = await post(web, device_page(made["id"]), device_page(made["id"]) + "/pay")
    assert response.status_code == 400 and 'id="f-decision-error">Record the inspection first' in response.text
    assert await status_of(made["id"]) == "received"


async def test_counter_offer_with_reasons(web: AsyncTestClient, settings: Settings) -> None:
    made = await _inspected(web)
    page = device_page(made["id"])
    too_high = await post(web, page, page + "/counter-offer", {"amount": "150", "reasons": "screen", "comment": "x"})
    assert too_high.status_code == 400
    assert 'id="f-amount-error">A counter-offer is less than the quote (€150.00)' in too_high.text
    assert "Choose at least one reason" not in too_high.text
    no_reason = await post(web, page, page + "/counter-offer", {"amount": "95", "comment": "Deep scratch"})
    assert 'id="f-reasons-error">Choose at least one reason' in no_reason.text
    assert 'value="95"' in no_reason.text and "Deep scratch" in no_reason.text
    sent = await post(web, page, page + "/counter-offer",
                      {"amount": "95", "reasons": ["screen", "battery"], "comment": "Deep scratch"})
    assert sent.status_code == 303
    row = await TradeIn.select(TradeIn.status, TradeIn.counter_cents, TradeIn.counter_reasons, TradeIn.counter_comment,
                               TradeIn.counter_expires_at).where(TradeIn.id == made["id"]).first()
    assert (row["status"], row["counter_cents"], row["counter_comment"]) == ("counter_offered", 9_500, "Deep scratch")
    assert row["counter_reasons"].splitlines() == ["The screen is more worn or damaged than declared",
                                                   "The battery is worn beyond the usual"]
    delay = row["counter_expires_at"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=6, hours=23) < delay <= dt.timedelta(days=7)
    mail = await OutboxEmail.select(OutboxEmail.body).where(
        (OutboxEmail.to_address == made["email"]) & (OutboxEmail.kind == "tradein_counter_offer")).first()
    assert "offers €95.00 instead of €150.00" in mail["body"]


async def test_a_refused_device_is_sent_back_with_a_return_label(web: AsyncTestClient) -> None:
    seller_id = await refurbisher(web)
    made = await trade_in(seller_id, "returning", counter_cents=9_000, return_name="Léa Dupont",
                          return_line1="3 rue des Lilas", return_postcode="69003", return_city="Lyon",
                          return_country="FR")
    page = device_page(made["id"])
    sent = await post(web, page, page + "/send-back")
    assert sent.status_code == 303
    row = await TradeIn.select(TradeIn.status, TradeIn.return_tracking_number).where(TradeIn.id == made["id"]).first()
    assert row["status"] == "returned" and row["return_tracking_number"].startswith("ER")


async def test_two_clicks_at_once_exactly_one_wins(settings: Settings) -> None:
    seller_id = await refurbisher()
    await credit_balance(seller_id, 100_000)
    made = await trade_in(seller_id, "received", imei_or_serial=VALID_IMEI, found_state="functional_good")
    offer = inspection.CounterOfferInput("90", ("screen",), "")
    outcomes = await asyncio.gather(
        inspection.pay(made["id"], seller_id=seller_id, settings=settings),
        inspection.counter_offer(made["id"], offer, seller_id=seller_id, settings=settings),
        inspection.pay(made["id"], seller_id=seller_id, settings=settings), return_exceptions=True)
    assert sum(1 for outcome in outcomes if not isinstance(outcome, Refused)) == 1
    assert sum(1 for outcome in outcomes if isinstance(outcome, Refused)) == 2
    events = await TradeInEvent.select(TradeInEvent.status).where(TradeInEvent.trade_in == made["id"])
    assert len(events) == 1
    ledger_rows = await LedgerEntry.count().where(LedgerEntry.transaction == f"tip:{made['reference']}")
    assert ledger_rows == (2 if events[0]["status"] == "paid" else 0)  # no commission: its zero line is not written


async def test_another_sellers_device_answers_404(web: AsyncTestClient) -> None:
    other = await refurbisher()
    made = await trade_in(other, "sent")
    await refurbisher(web)
    assert (await web.get(device_page(made["id"]))).status_code == 404
    mine = await refurbisher(web)
    await trade_in(mine, "sent")
    response = await web.post(device_page(made["id"]) + "/received",
                              data={"_csrf": csrf_from((await web.get("/seller/trade-in")).text)})
    assert response.status_code == 404
    assert await status_of(made["id"]) == "sent"
