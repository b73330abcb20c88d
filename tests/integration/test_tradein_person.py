"""Trade-in, the person's side, through HTTP: the condition questions, the best quote, accepting with a signed
token, the label, My trade-ins and the person's answers (cancel, sent, counter-offer), two clicks at once."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from storefront.errors import Refused
from storefront.mail.tables import OutboxEmail
from storefront.payments.tables import LedgerEntry
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein import inspection, person, quotes
from storefront.tradein.quotes import ConditionAnswers
from storefront.tradein.states import ConditionState, TradeInStatus
from storefront.tradein.tables import GridPrice, PriceGrid, TradeIn, TradeInEvent, TradeInPhoto, TradeInProgram
from tests.integration.builders import credit_balance
from tests.integration.commerce import csrf_from, make_account, sign_in
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller
from tests.integration.test_valid_html import VNU

IBAN = "FR1420041010050500013M02606"
# Where a refused device goes back: asked when accepting (tests/integration/test_tradein_accepting.py).
RETURN_ADDRESS = {"return_name": "Camille Martin", "return_line1": "3 rue des Lilas", "return_postcode": "69003",
                  "return_city": "Lyon", "return_country": "FR"}
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
written: list[Path] = []


@pytest.fixture(autouse=True)
def remove_photos() -> Iterator[None]:
    """The photos a test wrote under the store's photo folder go with it."""
    yield
    while written:
        written.pop().unlink(missing_ok=True)


GOOD = {"works": "yes", "screen": "scratches", "body": "flawless", "locks_removed": "yes"}


@pytest.mark.parametrize(("works", "screen", "body", "state"), [
    ("yes", "flawless", "flawless", ConditionState.functional_flawless),
    ("yes", "scratches", "flawless", ConditionState.functional_good),
    ("yes", "flawless", "scratches", ConditionState.functional_good),
    ("yes", "scratches", "scratches", ConditionState.functional_used),
    ("yes", "cracked", "flawless", ConditionState.functional_cracked),
    ("yes", "flawless", "damaged", ConditionState.functional_cracked),
    ("no", "flawless", "flawless", ConditionState.not_functional_used),
    ("no", "scratches", "scratches", ConditionState.not_functional_used),
    ("no", "cracked", "scratches", ConditionState.not_functional_cracked),
    ("no", "flawless", "damaged", ConditionState.not_functional_cracked),
])
def test_answers_map_to_one_condition_state(works: str, screen: str, body: str, state: ConditionState) -> None:
    assert quotes.state_for(ConditionAnswers(works, screen, body, "yes")) == state


def test_a_device_with_its_locks_on_cannot_be_traded_in() -> None:
    with pytest.raises(Refused) as refused:
        quotes.state_for(ConditionAnswers("yes", "flawless", "flawless", "no"))
    assert refused.value.field == "locks_removed"
    assert "cannot be traded in" in refused.value.message


async def buyer(seller_id: int, *, enabled: bool = True) -> None:
    await TradeInProgram(seller=seller_id, enabled=enabled, updated_at=NOW).save()


async def grid(seller_id: int, model_id: int, prices: dict[ConditionState, int], *, paused: bool = False,
               updated_at: dt.datetime = NOW, storage_gb: int = 64) -> int:
    made = PriceGrid(seller=seller_id, model=model_id, paused=paused, updated_at=updated_at)
    await made.save()
    for state, cents in prices.items():
        await GridPrice(grid=made.id, storage_gb=storage_gb, state=state, price_cents=cents).save()
    return made.id


def sell_url(shop: ExclusiveSeller, answers: dict[str, str] = GOOD, storage: int = 64) -> str:
    return (f"/sell?category={shop_category[shop.model_id]}&brand={shop_brand[shop.model_id]}&model={shop.model_id}"
            f"&storage={storage}&" + "&".join(f"{key}={value}" for key, value in answers.items()))


shop_category: dict[int, int] = {}
shop_brand: dict[int, int] = {}


async def refurbisher() -> ExclusiveSeller:
    from storefront.catalog.tables import ProductModel

    made = await exclusive_seller()
    row = await ProductModel.select(ProductModel.category, ProductModel.brand).where(
        ProductModel.id == made.model_id).first()
    shop_category[made.model_id], shop_brand[made.model_id] = row["category"], row["brand"]
    return made


def accept_url(html: str) -> str:
    match = re.search(r'href="(/sell/accept\?token=[^"]+)"', html)
    assert match, "the quote page has no accept link"
    return match.group(1).replace("&amp;", "&")


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def test_best_quote_among_refurbishers_that_buy(client: AsyncTestClient) -> None:
    first, second, paused, disabled, gone = [await refurbisher() for _ in range(5)]
    model = first.model_id
    for shop in (first, second, paused, gone):
        await buyer(shop.seller_id)
    await buyer(disabled.seller_id, enabled=False)
    await grid(first.seller_id, model, {ConditionState.functional_good: 21_000})
    await grid(second.seller_id, model, {ConditionState.functional_good: 23_500})
    await grid(paused.seller_id, model, {ConditionState.functional_good: 30_000}, paused=True)
    await grid(disabled.seller_id, model, {ConditionState.functional_good: 31_000})
    await grid(gone.seller_id, model, {ConditionState.functional_good: 32_000})
    await Seller.update({Seller.status: "dereferenced"}).where(Seller.id == gone.seller_id)

    page = await client.get(sell_url(first))

    assert page.status_code == 200
    assert "€235.00" in page.text
    assert f"{second.name} offers" in page.text
    assert "Works fully, light signs of use" in page.text
    assert "does not oblige you to send it" in page.text


async def test_equal_prices_go_to_the_grid_updated_first(client: AsyncTestClient) -> None:
    late, early = await refurbisher(), await refurbisher()
    for shop in (late, early):
        await buyer(shop.seller_id)
    await grid(late.seller_id, late.model_id, {ConditionState.functional_good: 20_000}, updated_at=NOW)
    await grid(early.seller_id, late.model_id, {ConditionState.functional_good: 20_000},
               updated_at=NOW - dt.timedelta(days=3))

    page = await client.get(sell_url(late))

    assert f"{early.name} offers" in page.text


async def test_nobody_buys_suggests_recycling(client: AsyncTestClient) -> None:
    shop = await refurbisher()
    await buyer(shop.seller_id)
    await grid(shop.seller_id, shop.model_id, {ConditionState.functional_flawless: 40_000})

    page = await client.get(sell_url(shop))

    assert "No refurbisher buys this device in this state" in page.text
    assert 'href="/sell/recycling"' in page.text
    assert (await client.get("/sell/recycling")).status_code == 200


async def test_locks_on_is_said_next_to_the_question(client: AsyncTestClient) -> None:
    shop = await refurbisher()
    page = await client.get(sell_url(shop, {**GOOD, "locks_removed": "no"}))
    assert 'id="q-locks_removed-error"' in page.text
    assert "cannot be traded in" in page.text


async def test_anonymous_steps_leave_no_cookie_and_no_row(client: AsyncTestClient) -> None:
    shop = await refurbisher()
    await buyer(shop.seller_id)
    await grid(shop.seller_id, shop.model_id, {ConditionState.functional_good: 21_000})
    before = await TradeIn.count(), await OutboxEmail.count()

    steps = [f"/sell?category={shop_category[shop.model_id]}",
             f"/sell?category={shop_category[shop.model_id]}&brand={shop_brand[shop.model_id]}", sell_url(shop)]
    for url in steps:
        page = await client.get(url)
        assert page.status_code == 200
        assert "set-cookie" not in page.headers

    assert (await TradeIn.count(), await OutboxEmail.count()) == before
    assert not client.cookies


async def test_a_step_answers_htmx_with_the_fragment(client: AsyncTestClient) -> None:
    shop = await refurbisher()
    page = await client.get(f"/sell?category={shop_category[shop.model_id]}", headers={"HX-Request": "true"})
    assert '<section id="sell-step"' in page.text
    assert "<html" not in page.text
    assert "HX-Request" in page.headers["vary"]


async def quoted(client: AsyncTestClient, price: int = 21_000) -> tuple[ExclusiveSeller, str]:
    shop = await refurbisher()
    await buyer(shop.seller_id)
    await grid(shop.seller_id, shop.model_id, {ConditionState.functional_good: price})
    return shop, accept_url((await client.get(sell_url(shop))).text)


def accept_form(token: str, csrf: str, **changes: str) -> dict[str, str]:
    return {"_csrf": csrf, "token": token, "id_document_type": "passport", "id_document_number": "19AB12345",
            "iban": IBAN, "holder_name": "Camille Martin", "declaration": "yes", **RETURN_ADDRESS, **changes}


async def test_accepting_needs_sign_in_and_keeps_the_quote(client: AsyncTestClient) -> None:
    _, url = await quoted(client)
    client.follow_redirects = False

    answer = await client.get(url)

    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/login?next=/sell/accept%3Ftoken%3D")


async def test_accept_makes_a_trade_in_to_send_with_label_and_mails(client: AsyncTestClient,
                                                                      settings: Settings) -> None:
    shop, url = await quoted(client)
    account = await make_account()
    await sign_in(client, account["id"])
    client.follow_redirects = False
    form = (await client.get(url)).text

    answer = await client.post("/sell/accept", data=accept_form(token_of(url), csrf_from(form)))

    assert answer.status_code == 303
    reference = answer.headers["location"].split("/")[-1].split("?")[0]
    assert re.fullmatch(r"TI-[A-Z2-9]{8}", reference)
    row = await TradeIn.select().where(TradeIn.reference == reference).first()
    assert (row["status"], row["quote_cents"], row["seller"], row["iban"]) == ("to_send", 21_000, shop.seller_id, IBAN)
    assert row["label_carrier"] == "Encore Returns (sandbox)"
    assert row["ship_by"] - row["created_at"] > dt.timedelta(days=13, hours=23)
    assert await TradeInEvent.count().where(TradeInEvent.trade_in == row["id"]) == 1
    mails = await OutboxEmail.select(OutboxEmail.to_address, OutboxEmail.kind).where(
        OutboxEmail.kind.is_in(["tradein_accepted", "tradein_incoming"]))
    assert {(m["to_address"], m["kind"]) for m in mails} >= {(account["email"], "tradein_accepted"),
                                                            (shop.email, "tradein_incoming")}
    page = await client.get(f"/account/trade-ins/{reference}")
    assert "To send" in page.text
    label = await client.get(f"/account/trade-ins/{reference}/label.pdf")
    assert label.status_code == 200
    assert label.headers["content-type"] == "application/pdf"
    assert label.content.startswith(b"%PDF")
    listing = await client.get("/account/trade-ins")
    assert reference in listing.text and "To send" in listing.text


@pytest.mark.parametrize(("changes", "field", "kept"), [
    ({"iban": "FR1420041010050500013M02607"}, "iban", "FR1420041010050500013M02607"),
    ({"declaration": ""}, "declaration", "19AB12345"),
    ({"id_document_type": "library-card"}, "id_document_type", "19AB12345"),
])
async def test_accept_refuses_bad_input_next_to_the_field(client: AsyncTestClient, changes: dict[str, str],
                                                          field: str, kept: str) -> None:
    _, url = await quoted(client)
    account = await make_account()
    await sign_in(client, account["id"])
    form = (await client.get(url)).text
    before = await TradeIn.count()

    answer = await client.post("/sell/accept", data=accept_form(token_of(url), csrf_from(form), **changes))

    assert answer.status_code == 400
    assert f'id="f-{field}-error"' in answer.text
    assert f'value="{kept}"' in answer.text
    assert await TradeIn.count() == before


async def test_a_tampered_token_is_refused_with_a_fresh_quote_link(client: AsyncTestClient) -> None:
    _, url = await quoted(client)
    account = await make_account()
    await sign_in(client, account["id"])
    form = (await client.get(url)).text
    token = token_of(url)
    body, _, signature = token.partition(".")
    import base64
    import json
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["p"] = 99_900
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=") + "." + signature

    answer = await client.post("/sell/accept", data=accept_form(forged, csrf_from(form)))

    assert answer.status_code == 400
    assert "could not be read" in answer.text
    assert 'href="/sell"' in answer.text
    assert (await client.get("/sell/accept?token=" + forged)).status_code == 400


async def test_an_expired_token_is_refused(settings: Settings) -> None:
    shop = await refurbisher()
    await buyer(shop.seller_id)
    await grid(shop.seller_id, shop.model_id, {ConditionState.functional_good: 21_000})
    old = NOW - dt.timedelta(days=20)
    quote = await quotes.best_quote(shop.model_id, 64, ConditionAnswers(**GOOD), valid_days=14, now=old)
    assert quote is not None
    account = await make_account()

    with pytest.raises(Refused) as refused:
        await person.accept(quotes.token_for(quote, settings.secret_key),
                            person.AcceptInput("passport", "19AB12345", IBAN, "Camille Martin", True, **RETURN_ADDRESS),
                            account_id=account["id"], settings=settings)

    assert refused.value.message == quotes.EXPIRED


async def test_a_grid_change_keeps_the_price_shown(client: AsyncTestClient, settings: Settings) -> None:
    shop, url = await quoted(client, price=21_000)
    grids = [row["id"] for row in await PriceGrid.select(PriceGrid.id).where(PriceGrid.seller == shop.seller_id)]
    await GridPrice.update({GridPrice.price_cents: 15_000}).where(GridPrice.grid.is_in(grids))
    account = await make_account()

    reference = await person.accept(token_of(url), person.AcceptInput("passport", "19AB12345", IBAN, "C M", True,
                                                                      **RETURN_ADDRESS),
                                    account_id=account["id"], settings=settings)

    assert await TradeIn.select(TradeIn.quote_cents).where(TradeIn.reference == reference).first() == {
        "quote_cents": 21_000}


async def test_two_acceptances_of_one_token_make_one_trade_in(client: AsyncTestClient, settings: Settings) -> None:
    _, url = await quoted(client)
    account = await make_account()
    given = person.AcceptInput("passport", "19AB12345", IBAN, "Camille Martin", True, **RETURN_ADDRESS)

    outcomes = await asyncio.gather(*(person.accept(token_of(url), given, account_id=account["id"],
                                                    settings=settings) for _ in range(2)), return_exceptions=True)

    assert sum(isinstance(outcome, str) for outcome in outcomes) == 1
    refused = [outcome for outcome in outcomes if isinstance(outcome, Refused)]
    assert len(refused) == 1 and refused[0].message == person.ALREADY_ACCEPTED
    assert await TradeIn.count().where(TradeIn.account == account["id"]) == 1


async def accepted(client: AsyncTestClient, settings: Settings, price: int = 21_000) -> tuple[str, dict, int]:
    shop, url = await quoted(client, price)
    account = await make_account()
    await sign_in(client, account["id"])
    client.follow_redirects = False
    reference = await person.accept(token_of(url), person.AcceptInput("passport", "19AB12345", IBAN, "C M", True,
                                                                      **RETURN_ADDRESS),
                                    account_id=account["id"], settings=settings)
    return reference, account, shop.seller_id


async def post_on(client: AsyncTestClient, reference: str, action: str, **data: str):
    page = (await client.get(f"/account/trade-ins/{reference}")).text
    return await client.post(f"/account/trade-ins/{reference}/{action}", data={"_csrf": csrf_from(page), **data})


async def status_of(reference: str) -> str:
    row = await TradeIn.select(TradeIn.status).where(TradeIn.reference == reference).first()
    return row["status"]


async def test_cancel_before_sending(client: AsyncTestClient, settings: Settings) -> None:
    reference, _, _ = await accepted(client, settings)
    answer = await post_on(client, reference, "cancel")
    assert answer.status_code == 303
    assert await status_of(reference) == "cancelled"
    again = await post_on(client, reference, "cancel")
    assert again.status_code == 409


async def test_sent_with_a_tracking_number(client: AsyncTestClient, settings: Settings) -> None:
    reference, _, _ = await accepted(client, settings)
    answer = await post_on(client, reference, "sent", tracking="6A12345678901")
    assert answer.status_code == 303
    row = await TradeIn.select(TradeIn.status, TradeIn.tracking_number).where(TradeIn.reference == reference).first()
    assert row == {"status": "sent", "tracking_number": "6A12345678901"}


async def test_cancel_and_sent_at_once_make_one_move(client: AsyncTestClient, settings: Settings) -> None:
    reference, account, _ = await accepted(client, settings)
    outcomes = await asyncio.gather(person.cancel(reference, account_id=account["id"], settings=settings),
                                    person.mark_sent(reference, "", account_id=account["id"], settings=settings),
                                    return_exceptions=True)
    assert sum(outcome is None for outcome in outcomes) == 1
    assert sum(isinstance(outcome, Refused) for outcome in outcomes) == 1
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference).first()
    assert await TradeInEvent.count().where(TradeInEvent.trade_in == row["id"]) == 2


async def counter_offered(reference: str, cents: int, settings: Settings) -> int:
    """What the refurbisher's inspection leaves (its portal is built elsewhere): a counter-offer and a photo."""
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference).first()
    await TradeIn.update({TradeIn.status: TradeInStatus.counter_offered, TradeIn.counter_cents: cents,
                          TradeIn.found_state: ConditionState.functional_cracked,
                          TradeIn.counter_reasons: "Cracked back glass", TradeIn.counter_comment: "See the photo",
                          TradeIn.counter_expires_at: NOW + dt.timedelta(days=7)}).where(TradeIn.id == row["id"])
    settings.tradein.photos_dir.mkdir(parents=True, exist_ok=True)
    key = f"test-{uuid.uuid4().hex}.png"
    (settings.tradein.photos_dir / key).write_bytes(b"\x89PNG\r\n\x1a\nfake")
    written.append(settings.tradein.photos_dir / key)
    photo = TradeInPhoto(trade_in=row["id"], storage_key=key, content_type="image/png", size_bytes=12, created_at=NOW)
    await photo.save()
    return photo.id


async def test_accepting_a_counter_offer_pays_it_through_the_ledger(client: AsyncTestClient,
                                                                      settings: Settings) -> None:
    reference, account, _ = await accepted(client, settings, price=21_000)
    photo_id = await counter_offered(reference, 16_000, settings)
    page = await client.get(f"/account/trade-ins/{reference}")
    assert "Counter-offer: €160.00" in page.text and "Cracked back glass" in page.text
    photo = await client.get(f"/account/trade-ins/{reference}/photos/{photo_id}")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/png"
    # The store marks every answer to a signed-in person no-store (storefront/web/headers.py), stricter than private.
    assert photo.headers["cache-control"] == "private, no-store"

    # A 5 % commission: the page's answer goes through the same function with the store's settings (0 %).
    with_commission = replace(settings, tradein=replace(settings.tradein, commission_basis_points=500))
    await person.answer_counter_offer(reference, True, account_id=account["id"], settings=with_commission)

    row = await TradeIn.select(TradeIn.status, TradeIn.paid_cents, TradeIn.commission_cents).where(
        TradeIn.reference == reference).first()
    assert row == {"status": "paid", "paid_cents": 16_000, "commission_cents": 800}
    entries = await LedgerEntry.select(LedgerEntry.account, LedgerEntry.amount_cents).where(
        LedgerEntry.transaction == f"tip:{reference}")
    assert sorted((e["account"], e["amount_cents"]) for e in entries) == [
        ("platform_tradein_commission", -800), ("seller_payable", 16_800), ("tradein_payable", -16_000)]


async def test_refusing_a_counter_offer_sends_it_back(client: AsyncTestClient, settings: Settings) -> None:
    reference, _, _ = await accepted(client, settings)
    await counter_offered(reference, 16_000, settings)
    answer = await post_on(client, reference, "counter-offer", answer="refuse")
    assert answer.status_code == 303
    assert await status_of(reference) == "returning"


async def test_each_reason_of_a_counter_offer_is_its_own_line(client: AsyncTestClient, settings: Settings) -> None:
    """The refurbisher's reasons, chosen from its list, reach the person one per line, not run into one sentence."""
    reference, _, seller_id = await accepted(client, settings)
    row = await TradeIn.select(TradeIn.id).where(TradeIn.reference == reference).first()
    await credit_balance(seller_id, 50_000)  # the refurbisher can pay for what it offers
    await inspection.mark_received(row["id"], seller_id=seller_id, settings=settings)
    await inspection.inspect(row["id"], inspection.InspectionInput("352099001761481", "functional_used"),
                             seller_id=seller_id, settings=settings)
    await inspection.counter_offer(row["id"], inspection.CounterOfferInput("150", ("screen", "battery"), ""),
                                   seller_id=seller_id, settings=settings)
    page = (await client.get(f"/account/trade-ins/{reference}")).text
    reasons = re.search(r'<ul class="tradein-reasons">(.*?)</ul>', page, re.S)
    assert reasons is not None
    assert re.findall(r"<li>(.*?)</li>", reasons.group(1)) == [
        "The screen is more worn or damaged than declared", "The battery is worn beyond the usual"]


async def test_accepting_a_counter_offer_from_the_page(client: AsyncTestClient, settings: Settings) -> None:
    reference, _, _ = await accepted(client, settings)
    await counter_offered(reference, 16_000, settings)
    answer = await post_on(client, reference, "counter-offer", answer="accept")
    assert answer.status_code == 303
    row = await TradeIn.select(TradeIn.status, TradeIn.paid_cents, TradeIn.commission_cents).where(
        TradeIn.reference == reference).first()
    assert row == {"status": "paid", "paid_cents": 16_000, "commission_cents": 0}


async def test_two_answers_to_a_counter_offer_at_once_make_one(client: AsyncTestClient, settings: Settings) -> None:
    reference, account, _ = await accepted(client, settings)
    await counter_offered(reference, 16_000, settings)
    outcomes = await asyncio.gather(*(person.answer_counter_offer(reference, True, account_id=account["id"],
                                                                  settings=settings) for _ in range(2)),
                                    return_exceptions=True)
    assert sum(outcome is None for outcome in outcomes) == 1
    entries = await LedgerEntry.select(LedgerEntry.account, LedgerEntry.amount_cents).where(
        LedgerEntry.transaction == f"tip:{reference}")
    # Without commission (the store's 0 %), the payment is two lines that balance.
    assert sorted((e["account"], e["amount_cents"]) for e in entries) == [
        ("seller_payable", 16_000), ("tradein_payable", -16_000)]


async def test_someone_elses_trade_in_is_missing(client: AsyncTestClient, settings: Settings) -> None:
    reference, _, _ = await accepted(client, settings)
    photo_id = await counter_offered(reference, 16_000, settings)
    other = await make_account()
    await sign_in(client, other["id"])
    for url in (f"/account/trade-ins/{reference}", f"/account/trade-ins/{reference}/label.pdf",
                f"/account/trade-ins/{reference}/photos/{photo_id}"):
        assert (await client.get(url)).status_code == 404
    page = (await client.get("/account/trade-ins")).text
    assert (await client.post(f"/account/trade-ins/{reference}/cancel",
                              data={"_csrf": csrf_from(page)})).status_code == 404


async def test_each_step_asks_the_next_choice(client: AsyncTestClient) -> None:
    shop = await refurbisher()
    category, brand = shop_category[shop.model_id], shop_brand[shop.model_id]
    steps = {"/sell": "Step 1 of 5", f"/sell?category={category}": "Step 2 of 5",
             f"/sell?category={category}&brand={brand}": "Step 3 of 5",
             f"/sell?category={category}&brand={brand}&model={shop.model_id}": "Step 4 of 5",
             f"/sell?category={category}&brand={brand}&model={shop.model_id}&storage=64": "Step 5 of 5"}
    for url, step in steps.items():
        page = await client.get(url)
        assert page.status_code == 200, url
        assert step in page.text, url


@pytest.fixture
def nu_checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("the Nu checker needs Java and node_modules/vnu-jar (installed by `make test`)")
    return [java, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json"]


async def test_the_trade_in_pages_are_valid_html(client: AsyncTestClient, settings: Settings, tmp_path,
                                                 nu_checker: list[str]) -> None:
    shop = await refurbisher()
    category, brand = shop_category[shop.model_id], shop_brand[shop.model_id]
    pages = {"step 1": (await client.get("/sell")).text,
             "step 2": (await client.get(f"/sell?category={category}")).text,
             "step 4": (await client.get(f"/sell?category={category}&brand={brand}&model={shop.model_id}")).text,
             "questions refused": (await client.get(sell_url(shop, {**GOOD, "locks_removed": "no"}))).text,
             "no quote": (await client.get(sell_url(shop))).text,
             "recycling": (await client.get("/sell/recycling")).text}
    reference, _, _ = await accepted(client, settings)
    pages["to send"] = (await client.get(f"/account/trade-ins/{reference}")).text
    pages["list"] = (await client.get("/account/trade-ins")).text
    await counter_offered(reference, 16_000, settings)
    pages["counter-offer"] = (await client.get(f"/account/trade-ins/{reference}")).text
    _, url = await quoted(client)
    form = (await client.get(url)).text
    pages["accept"] = form
    pages["accept refused"] = (await client.post("/sell/accept", data=accept_form(
        token_of(url), csrf_from(form), iban="x", declaration=""))).text
    priced, _ = await quoted(client)
    pages["quote"] = (await client.get(sell_url(priced))).text
    assert "€210.00" in pages["quote"]
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        file = tmp_path / f"page{number:02d}.html"
        file.write_text(html, encoding="utf-8")
        files[file.name] = name
    done = subprocess.run([*nu_checker, *(str(tmp_path / f) for f in files)], capture_output=True, text=True,
                          timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    errors = [f"{files.get(m.get('url', '').rsplit('/', 1)[-1])} line {m.get('lastLine')}: {m.get('message')}"
              for m in messages if m.get("type") in ("error", "non-document-error")]
    assert errors == []
