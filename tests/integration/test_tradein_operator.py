"""Trade-in, the operator's side over HTTP: suspending stops the clocks and resuming moves them on, disputes and
their decisions in the audit log, the expiry job (claimed once, never touching a suspended trade-in), people paid in
the payout run's file, the trade-in conditions page read from the configuration, and access to the console."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import subprocess
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import xmlschema  # type: ignore[import-untyped]
from litestar.testing import AsyncTestClient
from stdnum import imei

from storefront.app import create_app
from storefront.jobs.registry import JobContext, job_named
from storefront.mail.tables import OutboxEmail
from storefront.moderation.tables import AuditEntry
from storefront.payments.payouts import run_payouts
from storefront.payments.tables import LedgerEntry
from storefront.settings import Settings, from_environment
from storefront.tradein import clocks, operator
from storefront.tradein.blocklist import SANDBOX_REPORTED
from storefront.tradein.tables import (
    GridPrice,
    TradeIn,
    TradeInDispute,
    TradeInEvent,
    TradeInProgram,
    TradeInTransfer,
)
from tests.integration.builders import credit_balance, demo_operator_id
from tests.integration.commerce import make_account, post_form, sign_in
from tests.integration.test_payouts import XSD, transfers
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller
from tests.integration.test_valid_html import nu_checker  # noqa: F401  (a fixture)

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
PERSON_IBAN = "FR7630006000011234567890189"


async def trade_in(shop: ExclusiveSeller, status: str = "to_send", **values: Any) -> dict[str, Any]:
    """A trade-in of the shop's model, accepted by a new person, at `status`: €180.00 quoted, to ship by 10 March."""
    person = await make_account(name="Lou Vendeur")
    row = TradeIn(reference=f"TI-{uuid.uuid4().hex[:8].upper()}", account=person["id"], seller=shop.seller_id,
                  model=shop.model_id, storage_gb=64, declared_state="functional_good", quote_cents=18_000,
                  status=status, ship_by=dt.datetime(2027, 3, 10, 12, tzinfo=dt.UTC), id_document_type="passport",
                  id_document_number="19AB12345", iban=PERSON_IBAN, holder_name="Lou Vendeur",
                  ownership_declared=True, created_at=NOW - dt.timedelta(days=4), updated_at=NOW)
    for column, value in values.items():
        setattr(row, column, value)
    await row.save()
    return {**(await TradeIn.select().where(TradeIn.id == row.id).first()), "person": person}


async def fresh(trade_in_id: int) -> dict[str, Any]:
    return await TradeIn.select().where(TradeIn.id == trade_in_id).first()


async def as_operator(client: AsyncTestClient) -> int:
    operator_id = await demo_operator_id()
    await sign_in(client, operator_id)
    return operator_id


# Suspending and resuming -------------------------------------------------------------------------------------

async def test_suspending_through_the_console_stops_it_and_audits_the_reasons(client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "sent")
    operator_id = await as_operator(client)

    answer = await post_form(client, f"/ops/trade-ins/{t['id']}", f"/ops/trade-ins/{t['id']}/suspend",
                             {"reasons": "The person says the parcel held another phone."}, follow_redirects=False)

    assert answer.status_code == 303
    row = await fresh(t["id"])
    assert (row["status"], row["suspended_from"]) == ("suspended", "sent")
    assert row["suspended_at"] is not None
    audit = await AuditEntry.select().where((AuditEntry.subject_type == "trade_in")
                                            & (AuditEntry.subject_id == t["id"]))
    assert [(a["actor"], a["action"], a["detail"]) for a in audit] == [
        (operator_id, "trade-in suspended", "The person says the parcel held another phone.")]
    page = await client.get(f"/ops/trade-ins/{t['id']}")
    assert "Suspended by Encore" in page.text and "The person says the parcel held another phone." in page.text


async def test_suspending_without_reasons_keeps_the_form_with_the_error(client: AsyncTestClient) -> None:
    t = await trade_in(await exclusive_seller(), "sent")
    await as_operator(client)
    answer = await post_form(client, f"/ops/trade-ins/{t['id']}", f"/ops/trade-ins/{t['id']}/suspend",
                             {"reasons": "   "})
    assert answer.status_code == 400
    assert 'id="f-suspend-error"' in answer.text and "Give the reasons" in answer.text
    assert (await fresh(t["id"]))["status"] == "sent"


async def test_resuming_moves_the_ship_by_date_on_by_the_time_suspended(settings: Settings) -> None:
    t = await trade_in(await exclusive_seller())
    operator_id = await demo_operator_id()

    await operator.suspend(t["id"], operator_id=operator_id, reasons="Identity to check.", settings=settings, now=NOW)
    await operator.resume(t["id"], operator_id=operator_id, reasons="Identity checked.", settings=settings,
                          now=NOW + dt.timedelta(days=3, hours=2))

    row = await fresh(t["id"])
    assert row["status"] == "to_send"
    assert row["ship_by"] == dt.datetime(2027, 3, 13, 14, tzinfo=dt.UTC)  # 10 March 12:00 + 3 days 2 hours
    assert (row["suspended_from"], row["suspended_at"]) == ("", None)
    actions = [a["action"] for a in await AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.subject_type == "trade_in") & (AuditEntry.subject_id == t["id"])).order_by(AuditEntry.id)]
    assert actions == ["trade-in suspended", "trade-in resumed"]


async def test_resuming_a_counter_offer_moves_its_answer_date_on(settings: Settings) -> None:
    t = await trade_in(await exclusive_seller(), "counter_offered", counter_cents=12_000,
                       counter_expires_at=dt.datetime(2027, 3, 5, 9, tzinfo=dt.UTC), found_state="functional_used")
    operator_id = await demo_operator_id()
    await operator.suspend(t["id"], operator_id=operator_id, reasons="Photos disputed.", settings=settings, now=NOW)
    await operator.resume(t["id"], operator_id=operator_id, reasons="Photos fine.", settings=settings,
                          now=NOW + dt.timedelta(days=10))
    row = await fresh(t["id"])
    assert row["status"] == "counter_offered"
    assert row["counter_expires_at"] == dt.datetime(2027, 3, 15, 9, tzinfo=dt.UTC)


async def test_two_suspensions_at_once_make_one(settings: Settings) -> None:
    t = await trade_in(await exclusive_seller(), "received")
    operator_id = await demo_operator_id()
    outcomes = await asyncio.gather(*(operator.suspend(t["id"], operator_id=operator_id, reasons="Dispute.",
                                                       settings=settings, now=NOW) for _ in range(2)),
                                    return_exceptions=True)
    assert sum(1 for outcome in outcomes if outcome is None) == 1
    assert await TradeInEvent.count().where((TradeInEvent.trade_in == t["id"])
                                            & (TradeInEvent.status == "suspended")) == 1


# Disputes ----------------------------------------------------------------------------------------------------

async def test_a_dispute_is_recorded_listed_and_mailed_to_the_operator(client: AsyncTestClient,
                                                                       settings: Settings) -> None:
    t = await trade_in(await exclusive_seller(), "received")

    await operator.raise_dispute(t["id"], "person", "The refurbisher says it never came.", settings=settings)

    events = await TradeInEvent.select().where(TradeInEvent.trade_in == t["id"])
    assert [(e["actor"], e["note"]) for e in events] == [
        ("person", "Dispute raised: The refurbisher says it never came.")]
    mails = await OutboxEmail.select().where(OutboxEmail.kind == "tradein_dispute")
    assert [m["to_address"] for m in mails if t["reference"] in m["subject"]] == ["help@encore.example"]
    await as_operator(client)
    listing = await client.get("/ops/trade-ins")
    assert f'href="/ops/trade-ins/{t["id"]}">{t["reference"]}</a>: raised by the person' in listing.text


async def test_deciding_to_pay_books_the_quote_and_audits_it(client: AsyncTestClient, settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "counter_offered", counter_cents=9_000, found_state="functional_cracked")
    dispute = await operator.raise_dispute(t["id"], "person", "The screen was whole when I sent it.",
                                           settings=settings)
    operator_id = await as_operator(client)

    answer = await post_form(client, f"/ops/trade-ins/{t['id']}",
                             f"/ops/trade-ins/{t['id']}/disputes/{dispute}/decide",
                             {"outcome": "pay", "reasons": "The carrier's photos show an intact screen."},
                             follow_redirects=False)

    assert answer.status_code == 303
    row = await fresh(t["id"])
    assert (row["status"], row["paid_cents"], row["commission_cents"]) == ("paid", 18_000, 0)
    booked = await LedgerEntry.select(LedgerEntry.account, LedgerEntry.amount_cents).where(
        LedgerEntry.transaction == f"tip:{t['reference']}")
    # No commission at the default 0 %: the ledger keeps no zero line.
    assert sorted((e["account"], e["amount_cents"]) for e in booked) == [
        ("seller_payable", 18_000), ("tradein_payable", -18_000)]
    audit = await AuditEntry.select().where((AuditEntry.subject_type == "trade_in")
                                            & (AuditEntry.subject_id == t["id"]))
    assert [(a["actor"], a["action"]) for a in audit] == [(operator_id, "trade-in dispute: pay")]
    # A second click on the same decision is refused, and nothing is booked twice.
    again = await post_form(client, f"/ops/trade-ins/{t['id']}", f"/ops/trade-ins/{t['id']}/disputes/{dispute}/decide",
                            {"outcome": "return", "reasons": "Changed my mind."})
    assert again.status_code == 400
    assert await LedgerEntry.count().where(LedgerEntry.transaction == f"tip:{t['reference']}") == 2


async def test_deciding_a_return_from_a_suspension_sends_the_device_back(settings: Settings) -> None:
    t = await trade_in(await exclusive_seller(), "received")
    operator_id = await demo_operator_id()
    dispute = await operator.raise_dispute(t["id"], "refurbisher", "The IMEI is on a blocklist.", settings=settings)
    await operator.suspend(t["id"], operator_id=operator_id, reasons="Blocklist check.", settings=settings)
    await operator.decide_dispute(dispute, outcome="return", reasons="The phone is reported lost.",
                                  operator_id=operator_id, settings=settings)
    row = await fresh(t["id"])
    assert (row["status"], row["suspended_from"], row["paid_cents"]) == ("returning", "", None)
    decided = await TradeInDispute.select().where(TradeInDispute.id == dispute).first()
    assert (decided["decision"], decided["decided_by"]) == ("return", operator_id)


# The clocks --------------------------------------------------------------------------------------------------

async def test_an_unsent_trade_in_past_its_date_expires_once_with_two_runs_at_once(settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop)
    after = dt.datetime(2027, 3, 10, 12, 1, tzinfo=dt.UTC)

    counts = await asyncio.gather(clocks.expire_due(settings, after), clocks.expire_due(settings, after))

    assert (await fresh(t["id"]))["status"] == "expired"
    assert await TradeInEvent.count().where((TradeInEvent.trade_in == t["id"])
                                            & (TradeInEvent.status == "expired")) == 1
    assert sum(counts) >= 1
    mails = await OutboxEmail.select().where(OutboxEmail.kind == "tradein_expired")
    # Once each, to the person and to the refurbisher.
    assert sorted(m["to_address"] for m in mails if t["reference"] in m["subject"]) == sorted(
        [t["person"]["email"], shop.email])


async def test_a_trade_in_before_its_date_is_left_alone(settings: Settings) -> None:
    t = await trade_in(await exclusive_seller())
    await clocks.expire_due(settings, dt.datetime(2027, 3, 10, 11, 59, tzinfo=dt.UTC))
    assert (await fresh(t["id"]))["status"] == "to_send"


async def test_an_unanswered_counter_offer_is_sent_back_free_and_both_sides_told(settings: Settings) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop, "counter_offered", counter_cents=12_000, found_state="functional_used",
                       counter_expires_at=dt.datetime(2027, 3, 8, tzinfo=dt.UTC))
    await clocks.expire_due(settings, dt.datetime(2027, 3, 8, 0, 1, tzinfo=dt.UTC))
    assert (await fresh(t["id"]))["status"] == "returning"
    mails = await OutboxEmail.select().where(OutboxEmail.kind == "tradein_counter_lapsed")
    assert sorted(m["to_address"] for m in mails if t["reference"] in m["subject"]) == sorted(
        [t["person"]["email"], shop.email])


async def test_the_job_never_touches_a_suspended_trade_in(settings: Settings) -> None:
    t = await trade_in(await exclusive_seller(), ship_by=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    await operator.suspend(t["id"], operator_id=await demo_operator_id(), reasons="Checking.", settings=settings)

    async def no_search() -> int:
        return 0

    await job_named("expire-trade-ins").perform(JobContext(settings, no_search))

    assert (await fresh(t["id"]))["status"] == "suspended"


# Payouts to people -------------------------------------------------------------------------------------------

async def unbalanced() -> list[str]:
    sums: dict[str, int] = defaultdict(int)
    for entry in await LedgerEntry.select(LedgerEntry.transaction, LedgerEntry.amount_cents):
        sums[entry["transaction"]] += entry["amount_cents"]
    return [transaction for transaction, total in sums.items() if total]


async def paid_trade_in(settings: Settings, operator_id: int | None = None) -> dict[str, Any]:
    shop = await exclusive_seller()
    await credit_balance(shop.seller_id, 50_000)  # its sales cover the €180.00 it owes the person
    t = await trade_in(shop, "received")
    dispute = await operator.raise_dispute(t["id"], "person", "Please pay.", settings=settings)
    await operator.decide_dispute(dispute, outcome="pay", reasons="As declared.",
                                  operator_id=operator_id or await demo_operator_id(), settings=settings)
    return t


async def test_a_paid_trade_in_is_one_more_transfer_in_the_run_and_paid_once(settings: Settings,
                                                                            tmp_path: Path) -> None:
    payout_settings = dataclasses.replace(settings, payouts=dataclasses.replace(settings.payouts, files_dir=tmp_path))
    t = await paid_trade_in(settings)

    run = await run_payouts(payout_settings, dt.date(2031, 1, 6))

    assert run is not None
    xmlschema.XMLSchema(str(XSD)).validate(run.document.decode())
    assert transfers(run.document)[f"ENCORE-TI-{t['reference']}"] == (PERSON_IBAN, "180.00")
    assert [(p.reference, p.amount_cents) for p in run.people if p.trade_in_id == t["id"]] == [
        (t["reference"], 18_000)]
    booked = await LedgerEntry.select(LedgerEntry.account, LedgerEntry.amount_cents).where(
        LedgerEntry.transaction == f"tipo:{t['reference']}")
    assert sorted((e["account"], e["amount_cents"]) for e in booked) == [
        ("payouts_in_transit", -18_000), ("tradein_payable", 18_000)]
    assert await unbalanced() == []

    later = await run_payouts(payout_settings, dt.date(2031, 1, 16))

    assert later is not None and later.people == ()
    assert f"ENCORE-TI-{t['reference']}".encode() not in later.document
    assert await TradeInTransfer.count().where(TradeInTransfer.trade_in == t["id"]) == 1


async def test_two_runs_at_once_pay_a_person_once(settings: Settings, tmp_path: Path) -> None:
    payout_settings = dataclasses.replace(settings, payouts=dataclasses.replace(settings.payouts, files_dir=tmp_path))
    t = await paid_trade_in(settings)

    runs = await asyncio.gather(run_payouts(payout_settings, dt.date(2031, 2, 6)),
                                run_payouts(payout_settings, dt.date(2031, 2, 6)))

    assert len([run for run in runs if run is not None]) == 1
    assert await LedgerEntry.count().where(LedgerEntry.transaction == f"tipo:{t['reference']}") == 2
    assert await TradeInTransfer.count().where(TradeInTransfer.trade_in == t["id"]) == 1


# The trade-in conditions page --------------------------------------------------------------------------------

async def test_the_conditions_page_states_the_configured_values(settings: Settings, backend) -> None:
    configured = from_environment({"TRADEIN_QUOTE_DAYS": "21", "TRADEIN_COUNTER_OFFER_DAYS": "5",
                                   "TRADEIN_COMMISSION_BASIS_POINTS": "250", "TRADEIN_PHOTO_MAX_COUNT": "4"})
    changed = dataclasses.replace(settings, tradein=dataclasses.replace(
        configured.tradein, photos_dir=settings.tradein.photos_dir))
    async with AsyncTestClient(app=create_app(changed, backend)) as client:
        page = (await client.get("/legal/trade-in")).text
        sellers = (await client.get("/legal/seller-conditions")).text

    assert "<dd>21 days from accepting the quote</dd>" in page
    assert "<dd>5 days</dd>" in page and "Without an answer within 5 days" in page
    assert "<dd>2.5\N{NO-BREAK SPACE}% of the price, paid by the refurbisher" in page
    assert "up to 4 photos" in page
    assert "<dt>Trade-in commission</dt><dd>2.5\N{NO-BREAK SPACE}% of the price" in sellers


async def test_the_footer_links_to_the_conditions_page(client: AsyncTestClient) -> None:
    assert 'href="/legal/trade-in"' in (await client.get("/legal/terms")).text


# Access ------------------------------------------------------------------------------------------------------

async def test_the_console_is_the_operators_alone(client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await trade_in(shop)
    await sign_in(client, t["person"]["id"])
    assert (await client.get("/ops/trade-ins")).status_code == 403
    assert (await client.get(f"/ops/trade-ins/{t['id']}")).status_code == 403
    await sign_in(client, shop.account_id)
    assert (await client.get(f"/ops/trade-ins/{t['id']}")).status_code == 403


async def test_the_list_filters_by_step_and_finds_a_reference(client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    sent = await trade_in(shop, "sent")
    waiting = await trade_in(shop)
    await as_operator(client)

    by_step = (await client.get("/ops/trade-ins", params={"status": "sent"})).text
    by_reference = (await client.get("/ops/trade-ins", params={"q": waiting["reference"][3:]})).text

    assert sent["reference"] in by_step and waiting["reference"] not in by_step
    assert waiting["reference"] in by_reference and sent["reference"] not in by_reference
    assert (await client.get("/ops/trade-ins/999999")).status_code == 404


# The demo and the pages' markup -------------------------------------------------------------------------------

async def test_the_demo_has_two_refurbishers_with_full_grids_and_a_trade_in_at_every_step(settings: Settings) -> None:
    steps = {row["status"] for row in await TradeIn.select(TradeIn.status).where(
        TradeIn.reference.like("TI-DEMO-%"))}
    assert steps == {"to_send", "sent", "received", "counter_offered", "paid", "returning", "returned", "cancelled",
                     "expired", "suspended"}
    programmes = await TradeInProgram.select().where(TradeInProgram.enabled.eq(True))
    assert len(programmes) == 2
    states = {row["state"] for row in await GridPrice.select(GridPrice.state)}
    assert len(states) == 6
    paid = await TradeIn.select().where(TradeIn.reference == "TI-DEMO-005").first()
    booked = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.transaction == "tip:TI-DEMO-005") & (LedgerEntry.account == "tradein_payable"))
    assert [row["amount_cents"] for row in booked] == [-paid["paid_cents"]]
    # The inspected devices are well-formed and none is on the sandbox's stolen register (the demo pays them).
    identifiers = [row["imei_or_serial"] for row in await TradeIn.select(TradeIn.imei_or_serial).where(
        TradeIn.reference.like("TI-DEMO-%")) if row["imei_or_serial"]]
    assert len(identifiers) == 4
    assert all(imei.is_valid(i) and i not in SANDBOX_REPORTED for i in identifiers)
    # The suspended one waits on a dispute the operator can decide: the refurbisher has the device.
    suspended = await TradeIn.select(TradeIn.id, TradeIn.suspended_from).where(
        TradeIn.reference == "TI-DEMO-010").first()
    assert suspended["suspended_from"] == "received"
    assert await TradeInDispute.count().where((TradeInDispute.trade_in == suspended["id"])
                                              & (TradeInDispute.decision == "")) == 1


async def test_the_console_pages_and_the_conditions_are_valid_html(client: AsyncTestClient, tmp_path: Path,
                                                                  nu_checker: list[str]) -> None:  # noqa: F811
    await as_operator(client)
    suspended = await TradeIn.select(TradeIn.id).where(TradeIn.reference == "TI-DEMO-010").first()
    countered = await TradeIn.select(TradeIn.id).where(TradeIn.reference == "TI-DEMO-004").first()
    names = []
    for n, path in enumerate(["/ops/trade-ins", f"/ops/trade-ins/{suspended['id']}",
                              f"/ops/trade-ins/{countered['id']}", "/legal/trade-in"]):
        page = await client.get(path)
        assert page.status_code == 200, path
        (tmp_path / f"page{n}.html").write_text(page.text, encoding="utf-8")
        names.append(str(tmp_path / f"page{n}.html"))
    done = subprocess.run([*nu_checker, *names], capture_output=True, text=True, timeout=180)
    assert [m for m in json.loads(done.stderr or "{}").get("messages", []) if m.get("type") == "error"] == []


# PostgreSQL --------------------------------------------------------------------------------------------------

@pytest.mark.postgres
async def test_two_expiry_runs_and_two_payout_runs_at_once_move_and_pay_once_on_postgres(postgres_store,
                                                                                         tmp_path: Path) -> None:
    settings = dataclasses.replace(postgres_store.settings, payouts=dataclasses.replace(
        postgres_store.settings.payouts, files_dir=tmp_path))
    unsent = await trade_in(await exclusive_seller())
    paid = await paid_trade_in(settings, (await make_account("operator"))["id"])
    after = dt.datetime(2027, 3, 10, 12, 1, tzinfo=dt.UTC)

    counts = await asyncio.gather(clocks.expire_due(settings, after), clocks.expire_due(settings, after))
    runs = await asyncio.gather(run_payouts(settings, dt.date(2031, 3, 6)), run_payouts(settings, dt.date(2031, 3, 6)))

    assert (await fresh(unsent["id"]))["status"] == "expired"
    assert await TradeInEvent.count().where((TradeInEvent.trade_in == unsent["id"])
                                            & (TradeInEvent.status == "expired")) == 1
    assert sum(counts) == 1
    made = [run for run in runs if run is not None]
    assert len(made) == 1
    assert [p.amount_cents for p in made[0].people if p.trade_in_id == paid["id"]] == [18_000]
    assert await TradeInTransfer.count().where(TradeInTransfer.trade_in == paid["id"]) == 1
    assert await unbalanced() == []
