"""Trade-in steps at and past their deadlines, and the checks a reviewer found missing: a late parcel is received
rather than stranded, a lapsed counter-offer cannot be answered, the clocks tell both sides and respect a date the
operator moved on, a device on the stolen register reaches the operator, the counter-offer rate reads the same in
the portal and the console, and the operator sees the inspection photos."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.mail.tables import OutboxEmail
from storefront.payments.tables import LedgerEntry
from storefront.settings import Settings
from storefront.tradein import clocks, operator, photos
from storefront.tradein.states import TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInDispute, TradeInEvent
from tests.integration.builders import demo_operator_id
from tests.integration.commerce import post_form, sign_in
from tests.integration.test_referencing import exclusive_seller
from tests.integration.test_tradein_operator import fresh, trade_in

PAST = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 400
STOLEN_IMEI = "356938035643809"  # on the sandbox register


@pytest.fixture
async def web(prepared_store: Settings, backend, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    rules = dataclasses.replace(prepared_store.tradein, photos_dir=tmp_path / "photos")
    app = create_app(dataclasses.replace(prepared_store, tradein=rules), backend)
    async with AsyncTestClient(app=app) as client:
        client.follow_redirects = False
        yield client


async def mails_to(address: str) -> list[str]:
    rows = await OutboxEmail.select(OutboxEmail.subject).where(OutboxEmail.to_address == address).order_by(
        OutboxEmail.id)
    return [row["subject"] for row in rows]


# A parcel after the quote lapsed


async def test_a_parcel_that_arrives_after_expiry_is_received_and_inspected(web: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "expired")
    await sign_in(web, shop.account_id)
    page = f"/seller/trade-in/devices/{t['id']}"
    assert "Mark the device received" in (await web.get(page)).text

    answer = await post_form(web, page, page + "/received")

    assert answer.status_code == 303
    assert (await fresh(t["id"]))["status"] == "received"
    assert f"Trade-in {t['reference']} (Walkie" in (await mails_to(t["person"]["email"]))[-1]


async def test_the_expiry_job_tells_the_refurbisher_too(settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "to_send", ship_by=PAST)

    assert await clocks.expire_due(settings) >= 1

    assert (await fresh(t["id"]))["status"] == "expired"
    assert await mails_to(shop.email) == [f"Trade-in {t['reference']}: not sent in time"]
    assert await mails_to(t["person"]["email"]) == [f"Trade-in {t['reference']}: the quote has lapsed"]


async def test_the_expiry_job_leaves_a_trade_in_whose_date_moved_on_since_it_was_read(settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "to_send", ship_by=PAST)
    as_read = await fresh(t["id"])
    # The operator suspended and resumed it meanwhile: the same step, a later date.
    await TradeIn.update({TradeIn.ship_by: dt.datetime.now(dt.UTC) + dt.timedelta(days=3)}).where(
        TradeIn.id == t["id"])

    now = dt.datetime.now(dt.UTC)
    moved = await clocks._claim(as_read, TradeInStatus.to_send, TradeInStatus.expired, "Not sent in time.", now,
                                TradeIn.ship_by < now)

    assert moved is False
    assert (await fresh(t["id"]))["status"] == "to_send"


# The person past a deadline the job has not swept yet


async def test_a_lapsed_counter_offer_cannot_be_accepted_or_paid(client: AsyncTestClient) -> None:
    t = await trade_in(await exclusive_seller(), "counter_offered", counter_cents=12_000, counter_expires_at=PAST,
                       found_state="functional_used", imei_or_serial="352099001761481")
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"

    answer = await post_form(client, page, page + "/counter-offer", {"answer": "accept"})

    assert answer.status_code == 409  # a step no longer open, as a click on a step someone else moved
    assert "The time to answer ended on" in answer.text and "comes back to you free of charge" in answer.text
    assert (await fresh(t["id"]))["status"] == "counter_offered"
    assert await LedgerEntry.count().where(LedgerEntry.transaction == f"tip:{t['reference']}") == 0


async def test_sending_after_the_date_is_refused_with_the_reason(client: AsyncTestClient) -> None:
    t = await trade_in(await exclusive_seller(), "to_send", ship_by=PAST)
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"

    answer = await post_form(client, page, page + "/sent", {"tracking": "ER123"})

    assert answer.status_code == 409
    assert "The quote lapsed on" in answer.text and "ask for a new quote" in answer.text
    assert (await fresh(t["id"]))["status"] == "to_send"


async def test_refusing_a_counter_offer_is_confirmed_to_the_person(client: AsyncTestClient) -> None:
    t = await trade_in(await exclusive_seller(), "counter_offered", counter_cents=12_000,
                       counter_expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    await sign_in(client, t["person"]["id"])
    page = f"/account/trade-ins/{t['reference']}"

    answer = await post_form(client, page, page + "/counter-offer", {"answer": "refuse"}, follow_redirects=False)

    assert answer.status_code == 303
    assert (await fresh(t["id"]))["status"] == "returning"
    assert await mails_to(t["person"]["email"]) == [f"Trade-in {t['reference']}: your device comes back to you"]


# The stolen register and the operator


async def test_a_device_on_the_stolen_register_reaches_the_operator(web: AsyncTestClient, settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    await sign_in(web, shop.account_id)
    page = f"/seller/trade-in/devices/{t['id']}"

    await post_form(web, page, page + "/inspect", {"imei_or_serial": STOLEN_IMEI, "found_state": "functional_good"})

    assert (await fresh(t["id"]))["status"] == "suspended"
    disputes = await TradeInDispute.select(TradeInDispute.raised_by, TradeInDispute.reason).where(
        TradeInDispute.trade_in == t["id"])
    assert disputes == [{"raised_by": "refurbisher", "reason": f"Reported lost or stolen: {STOLEN_IMEI} is on the "
                                                               "register checked at inspection."}]
    assert f"Trade-in {t['reference']}: a dispute from the refurbisher" in await mails_to(
        settings.operator.contact_email)


async def test_a_stolen_device_whose_person_already_disputes_is_suspended_all_the_same(
        web: AsyncTestClient, settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "received")
    await operator.raise_dispute(t["id"], "person", "No news from the refurbisher for a week.", settings=settings)
    await sign_in(web, shop.account_id)
    page = f"/seller/trade-in/devices/{t['id']}"

    answer = await post_form(web, page, page + "/inspect", {"imei_or_serial": STOLEN_IMEI,
                                                            "found_state": "functional_good"})

    assert answer.status_code == 303 and "done=suspended" in answer.headers["location"]
    assert (await fresh(t["id"]))["status"] == "suspended"
    assert await TradeInDispute.count().where(TradeInDispute.trade_in == t["id"]) == 1
    notes = [row["note"] for row in await TradeInEvent.select(TradeInEvent.note).where(
        TradeInEvent.trade_in == t["id"]).order_by(TradeInEvent.id)]
    assert notes[-1] == f"Added to the open dispute: Reported lost or stolen: {STOLEN_IMEI} is on the register " \
                        "checked at inspection."


# One counter-offer rate


async def test_the_counter_offer_rate_reads_alike_in_the_portal_and_the_console(web: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    received_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    countered = await trade_in(shop, "counter_offered", counter_cents=9_000, found_state="functional_used",
                               imei_or_serial="352099001761481")
    # Inspected, not decided yet: it is not counted either way.
    pending = await trade_in(shop, "received", found_state="functional_good", imei_or_serial="352099001761499")
    await TradeInEvent.insert(
        TradeInEvent(trade_in=countered["id"], status="received", actor="refurbisher", created_at=received_at),
        TradeInEvent(trade_in=countered["id"], status="counter_offered", actor="refurbisher",
                     created_at=received_at + dt.timedelta(days=1)),
        TradeInEvent(trade_in=pending["id"], status="received", actor="refurbisher", created_at=received_at))

    await sign_in(web, shop.account_id)
    portal = (await web.get("/seller/trade-in")).text
    await sign_in(web, await demo_operator_id())
    console = (await web.get(f"/ops/trade-ins/{pending['id']}")).text

    assert "100.0\N{NO-BREAK SPACE}% (1 of 1 inspected devices)" in portal
    assert "100.0\N{NO-BREAK SPACE}% (1 of 1 decided)" in console


# Photos for the operator


async def test_the_operator_sees_the_inspection_photos(web: AsyncTestClient, prepared_store: Settings,
                                                       tmp_path: Path) -> None:
    t = await trade_in(await exclusive_seller(), "received")
    settings = dataclasses.replace(prepared_store, tradein=dataclasses.replace(
        prepared_store.tradein, photos_dir=tmp_path / "photos"))
    photo_id = await photos.add_photo(await fresh(t["id"]), JPEG, settings)
    url = f"/ops/trade-ins/{t['id']}/photos/{photo_id}"

    anonymous = await web.get(url)
    await sign_in(web, t["person"]["id"])
    someone_else = await web.get(url)
    await sign_in(web, await demo_operator_id())
    page = (await web.get(f"/ops/trade-ins/{t['id']}")).text
    photo = await web.get(url)

    assert anonymous.status_code in (302, 303, 401) and someone_else.status_code in (403, 404)
    assert f'<img src="{url}"' in page
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["cache-control"] == "private, no-store"
    assert (await web.get(f"/ops/trade-ins/{t['id']}/photos/{photo_id + 1000}")).status_code == 404
