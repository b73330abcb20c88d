"""The sellers' monthly fee and the payout runs, through the ledger, and the SEPA file they write."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
import xmlschema  # type: ignore[import-untyped]
from litestar.testing import AsyncTestClient
from sepaxml import validation  # type: ignore[import-untyped]

from search_index.drain import OutboxDrainer
from storefront.cart import service as carts
from storefront.jobs.registry import job_named
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.monthly_fees import book_monthly_fees
from storefront.payments.payouts import latest_payout_day, payable_balances, run_payouts
from storefront.payments.tables import LedgerEntry, PayoutRun
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from tests.integration.builders import demo_operator_id
from tests.integration.commerce import make_account, sign_in
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller
from tests.integration.test_seller_portal import text_of
from tests.integration.test_valid_html import nu_checker  # noqa: F401  (a fixture)

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
TODAY = dt.datetime.now(dt.UTC).date()
XSD = Path(validation.__file__).parent / "schemas" / "pain.001.001.03.xsd"


@pytest.fixture
def payout_settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, payouts=dataclasses.replace(settings.payouts, files_dir=tmp_path))


async def sold_and_delivered(shop: ExclusiveSeller, settings: Settings, drainer: OutboxDrainer, *,
                             days_ago: int) -> int:
    """One €129.00 item (free shipping) bought from `shop`, paid, accepted and delivered `days_ago` days ago."""
    buyer = await make_account()
    offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
    cart_id = await carts.create_cart(buyer["id"])
    await carts.add(cart_id, offer["id"], 1)
    placed = await place_order(cart_id=cart_id, account_id=buyer["id"], payment_means="card", settings=settings,
                               address=DeliveryAddress("Sam Payout", "5 quai Rambaud", "69002", "Lyon"),
                               idempotency_key=secrets.token_hex(8))
    await drainer.drain()
    await transitions.payment_succeeded(placed.order_id, settings)
    part = await SellerOrder.select(SellerOrder.id).where(SellerOrder.order == placed.order_id).first()
    await transitions.accept(part["id"], seller_id=shop.seller_id, settings=settings)
    await transitions.ship(part["id"], seller_id=shop.seller_id, carrier="Colissimo", tracking_number="6A1",
                           settings=settings)
    await transitions.deliver(part["id"], seller_id=shop.seller_id, settings=settings,
                              now=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago))
    return part["id"]


async def seller_rows(seller_id: int, kind: str) -> list[dict]:
    return await LedgerEntry.select().where((LedgerEntry.seller == seller_id) & (LedgerEntry.kind == kind))


async def unbalanced_transactions() -> list[str]:
    sums: dict[str, int] = defaultdict(int)
    for entry in await LedgerEntry.select(LedgerEntry.transaction, LedgerEntry.amount_cents):
        sums[entry["transaction"]] += entry["amount_cents"]
    return [transaction for transaction, total in sums.items() if total]


def transfers(document: bytes) -> dict[str, tuple[str, str]]:
    """EndToEndId → (creditor IBAN, amount) of each CdtTrfTxInf."""
    root = ET.fromstring(document)
    return {tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): (
        tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS), tx.findtext("p:Amt/p:InstdAmt", namespaces=NS))
        for tx in root.iterfind(".//p:CdtTrfTxInf", NS)}


# Monthly fee -------------------------------------------------------------------------------------------------

async def test_the_monthly_fee_is_booked_once_per_referenced_seller_and_month(shop: ExclusiveSeller,
                                                                               settings: Settings) -> None:
    pending = await exclusive_seller(status="pending")
    gone = await exclusive_seller(status="dereferenced")
    december = dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC)
    referenced = await Seller.count().where(Seller.status == "referenced")

    assert await book_monthly_fees(settings, now=december) == referenced
    assert await book_monthly_fees(settings, now=december + dt.timedelta(hours=5)) == 0

    fees = await seller_rows(shop.seller_id, "monthly_fee")
    assert [(f["transaction"], f["account"], f["amount_cents"]) for f in fees] == [
        (f"fee:{shop.seller_id}:2026-12", "seller_payable", 5_000)]
    assert await seller_rows(pending.seller_id, "monthly_fee") == []
    assert await seller_rows(gone.seller_id, "monthly_fee") == []
    assert await unbalanced_transactions() == []


async def test_the_next_month_books_the_next_fee(shop: ExclusiveSeller, settings: Settings) -> None:
    await book_monthly_fees(settings, now=dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC))
    await book_monthly_fees(settings, now=dt.datetime(2027, 1, 1, 1, tzinfo=dt.UTC))
    fees = await seller_rows(shop.seller_id, "monthly_fee")
    assert sorted(f["transaction"] for f in fees) == [f"fee:{shop.seller_id}:2026-12",
                                                      f"fee:{shop.seller_id}:2027-01"]


# Payable balance ---------------------------------------------------------------------------------------------

async def test_a_sale_delivered_8_days_ago_is_payable_and_one_delivered_6_days_ago_is_not(
        shop: ExclusiveSeller, settings: Settings, drainer: OutboxDrainer) -> None:
    await sold_and_delivered(shop, settings, drainer, days_ago=8)
    await sold_and_delivered(shop, settings, drainer, days_ago=6)
    # €129.00 less the 10 % commission (€12.90): only the first sale.
    assert (await payable_balances(TODAY, 7))[shop.seller_id] == 11_610
    assert (await payable_balances(TODAY, 5))[shop.seller_id] == 23_220


async def test_booked_fees_come_off_the_payable_balance(shop: ExclusiveSeller, settings: Settings,
                                                        drainer: OutboxDrainer) -> None:
    await sold_and_delivered(shop, settings, drainer, days_ago=8)
    await book_monthly_fees(settings)
    assert (await payable_balances(TODAY, 7))[shop.seller_id] == 6_610


# Payout run --------------------------------------------------------------------------------------------------

async def test_a_payout_run_pays_each_seller_its_payable_balance_and_holds_one_below_zero(
        shop: ExclusiveSeller, payout_settings: Settings, drainer: OutboxDrainer) -> None:
    quiet = await exclusive_seller()
    await sold_and_delivered(shop, payout_settings, drainer, days_ago=8)
    await book_monthly_fees(payout_settings)  # both: €50.00 each

    run = await run_payouts(payout_settings, TODAY)

    assert run is not None
    paid = {line.seller_id: line.amount_cents for line in run.paid}
    held = {line.seller_id: line.amount_cents for line in run.held}
    assert paid[shop.seller_id] == 6_610  # €129.00 − €12.90 commission − €50.00 fee
    assert held[quiet.seller_id] == -5_000 and quiet.seller_id not in paid
    payout = await seller_rows(shop.seller_id, "payout")
    assert sorted((p["account"], p["amount_cents"]) for p in await LedgerEntry.select().where(
        LedgerEntry.transaction == f"payout:{TODAY.isoformat()}:{shop.seller_id}")) == [
        ("payouts_in_transit", -6_610), ("seller_payable", 6_610)]
    assert len(payout) == 1
    assert await seller_rows(quiet.seller_id, "payout") == []
    assert await unbalanced_transactions() == []
    # Paid out: nothing payable is left for the next run.
    assert (await payable_balances(TODAY, 7))[shop.seller_id] == 0


async def test_a_seller_without_a_valid_iban_is_held_with_its_balance(
        payout_settings: Settings, drainer: OutboxDrainer) -> None:
    unpayable = await exclusive_seller(payment_account="FR00 1234")
    await sold_and_delivered(unpayable, payout_settings, drainer, days_ago=8)
    run = await run_payouts(payout_settings, TODAY)
    assert run is not None
    assert [(line.seller_id, line.amount_cents) for line in run.held if line.seller_id == unpayable.seller_id] == [
        (unpayable.seller_id, 11_610)]
    assert await seller_rows(unpayable.seller_id, "payout") == []


async def test_the_pain001_file_validates_and_has_one_transfer_per_paid_seller(
        shop: ExclusiveSeller, payout_settings: Settings, drainer: OutboxDrainer) -> None:
    await sold_and_delivered(shop, payout_settings, drainer, days_ago=9)
    run = await run_payouts(payout_settings, TODAY)

    assert run is not None and run.file is not None
    document = run.file.read_bytes()
    assert document == run.document
    xmlschema.XMLSchema(str(XSD)).validate(document.decode())
    found = transfers(document)
    # One transfer per paid seller, and one per person paid for a trade-in (the demo has one paid).
    assert len(found) == len(run.paid) + len(run.people)
    iban = (await Seller.select(Seller.payment_account).where(Seller.id == shop.seller_id).first())["payment_account"]
    assert found[f"ENCORE-{TODAY:%Y%m%d}-{shop.seller_id}"] == (iban, "116.10")
    root = ET.fromstring(document)
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == str(len(run.paid) + len(run.people))


async def test_a_broken_file_fails_the_schema_check() -> None:
    schema = xmlschema.XMLSchema(str(XSD))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/>'
                        '</Document>')


async def test_the_same_date_runs_once(shop: ExclusiveSeller, payout_settings: Settings,
                                       drainer: OutboxDrainer) -> None:
    await sold_and_delivered(shop, payout_settings, drainer, days_ago=8)
    assert await run_payouts(payout_settings, TODAY) is not None
    assert await run_payouts(payout_settings, TODAY) is None
    assert await PayoutRun.count().where(PayoutRun.run_on == TODAY) == 1
    assert len(await seller_rows(shop.seller_id, "payout")) == 1


async def test_a_run_over_the_demo_data_writes_a_file_that_validates(payout_settings: Settings) -> None:
    run = await run_payouts(payout_settings, TODAY)
    assert run is not None and run.paid and run.file is not None
    xmlschema.XMLSchema(str(XSD)).validate(run.file.read_text())
    assert len(transfers(run.document)) == len(run.paid) + len(run.people)
    assert [person.reference for person in run.people] == ["TI-DEMO-005"]
    assert await unbalanced_transactions() == []
    entries = await LedgerEntry.select().where(LedgerEntry.kind == "payout")
    assert -sum(e["amount_cents"] for e in entries if e["account"] == ledger.PAYOUTS) == run.total_cents


# Schedules ---------------------------------------------------------------------------------------------------

def test_the_payout_job_runs_on_the_payout_days_and_the_fee_on_the_first() -> None:
    on = dataclasses.replace(Settings(), jobs_interval_seconds=900)
    assert job_named("payout-run").cron(on) == "0 6 6,16,26 * *"
    assert job_named("book-monthly-fees").cron(on) == "0 1 1 * *"
    off = dataclasses.replace(on, jobs_interval_seconds=0)
    assert job_named("payout-run").cron(off) is None and job_named("book-monthly-fees").cron(off) is None


@pytest.mark.parametrize(("today", "run_on"), [
    (dt.date(2026, 11, 30), dt.date(2026, 11, 26)), (dt.date(2026, 12, 6), dt.date(2026, 12, 6)),
    (dt.date(2026, 12, 3), dt.date(2026, 11, 26)), (dt.date(2026, 12, 15), dt.date(2026, 12, 6))])
def test_a_missed_payout_day_is_run_late_rather_than_never(today: dt.date, run_on: dt.date) -> None:
    assert latest_payout_day(today, (6, 16, 26)) == run_on


# The operator's console --------------------------------------------------------------------------------------

async def test_the_console_lists_the_runs_their_files_and_the_sellers_held(
        client: AsyncTestClient, shop: ExclusiveSeller, payout_settings: Settings, drainer: OutboxDrainer,
        tmp_path: Path, nu_checker: list[str]) -> None:  # noqa: F811
    quiet = await exclusive_seller()
    await sold_and_delivered(shop, payout_settings, drainer, days_ago=8)
    await book_monthly_fees(payout_settings, now=dt.datetime.now(dt.UTC))
    run = await run_payouts(payout_settings, TODAY)
    assert run is not None
    await sign_in(client, await demo_operator_id())

    page = await client.get("/ops/payouts")

    assert page.status_code == 200
    held_row = page.text.split(f'href="/ops/sellers/{quiet.seller_id}"')[1].split("</tr>")[0]
    assert "−€50.00" in held_row
    assert f"/ops/payouts/{run.run_id}/pain001.xml" in page.text
    download = await client.get(f"/ops/payouts/{run.run_id}/pain001.xml")
    assert download.status_code == 200 and download.content == run.document
    assert download.headers["content-disposition"] == f'attachment; filename="pain001-{TODAY.isoformat()}.xml"'
    (tmp_path / "payouts.html").write_text(page.text, encoding="utf-8")
    done = subprocess.run([*nu_checker, str(tmp_path / "payouts.html")], capture_output=True, text=True, timeout=120)
    assert [m for m in json.loads(done.stderr or "{}").get("messages", []) if m.get("type") == "error"] == []


async def test_the_console_payouts_are_the_operators_alone(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    client.follow_redirects = False
    assert (await client.get("/ops/payouts")).status_code == 303  # to sign in
    await sign_in(client, shop.account_id)
    assert (await client.get("/ops/payouts")).status_code == 403


async def test_a_run_without_a_file_has_nothing_to_download(client: AsyncTestClient) -> None:
    await sign_in(client, await demo_operator_id())
    assert (await client.get("/ops/payouts/999999/pain001.xml")).status_code == 404


# The seller's statement ----------------------------------------------------------------------------------------

async def test_the_statement_shows_the_fee_and_the_payouts_the_ledger_booked(
        client: AsyncTestClient, shop: ExclusiveSeller, payout_settings: Settings, drainer: OutboxDrainer) -> None:
    await sold_and_delivered(shop, payout_settings, drainer, days_ago=8)
    # Booked at €30.00: the statement reads the ledger, not today's setting (€50.00).
    cheaper = dataclasses.replace(payout_settings, seller_fees=dataclasses.replace(
        payout_settings.seller_fees, monthly_flat_cents=3_000))
    await book_monthly_fees(cheaper)
    await run_payouts(payout_settings, TODAY)
    await sign_in(client, shop.account_id)

    page = text_of((await client.get(f"/seller/statements/{TODAY:%Y-%m}")).text)

    assert "Monthly flat fee −€30.00" in page and "The monthly flat fee is booked in your account." in page
    # €129.00 − €12.90 commission − €30.00 fee, sent today:
    assert "Payouts to your bank account −€86.10" in page
    assert f"{TODAY:%d %b %Y} Payout to your bank account −€86.10" in page


# PostgreSQL --------------------------------------------------------------------------------------------------

@pytest.mark.postgres
async def test_fees_and_two_simultaneous_runs_of_one_date_book_once_on_postgres(postgres_store, tmp_path: Path) -> None:
    import asyncio

    settings = dataclasses.replace(postgres_store.settings, payouts=dataclasses.replace(
        postgres_store.settings.payouts, files_dir=tmp_path))
    sellers = [row["id"] for row in await Seller.select(Seller.id).where(Seller.status == "referenced").order_by(
        Seller.id)]
    january = dt.datetime(2031, 1, 1, 1, tzinfo=dt.UTC)
    assert await book_monthly_fees(settings, now=january) == len(sellers)
    assert await book_monthly_fees(settings, now=january) == 0
    # An order-less credit (counted at once by the rule) makes the first seller €200.00 − €50.00 payable.
    await ledger.post("test-credit:pg", None, "adjustment", [ledger.Posting(ledger.SELLER, -20_000, sellers[0]),
                                                             ledger.Posting(ledger.PSP, 20_000)])

    runs = await asyncio.gather(*(run_payouts(settings, dt.date(2031, 1, 6)) for _ in range(2)))

    made = [run for run in runs if run is not None]
    assert len(made) == 1
    assert [(line.seller_id, line.amount_cents) for line in made[0].paid] == [(sellers[0], 15_000)]
    assert {line.amount_cents for line in made[0].held} == {-5_000}
    xmlschema.XMLSchema(str(XSD)).validate(made[0].document.decode())
    assert await unbalanced_transactions() == []


@pytest.mark.postgres
async def test_two_parts_cancelled_at_once_give_the_service_fee_back_once_on_postgres(postgres_store) -> None:
    """Each cancellation decides alone whether nothing of the order is kept; the order's row lock makes the second
    see the first, so the fee goes back with exactly one of them."""
    import asyncio
    import uuid

    from storefront.payments.provider import SandboxProvider
    from storefront.payments.service import handle_notification
    from storefront.payments.tables import Refund

    settings = postgres_store.settings
    shops = [await exclusive_seller() for _ in range(2)]
    buyer = await make_account()
    cart = await carts.create_cart(buyer["id"])
    for shop in shops:
        offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
        await carts.add(cart, offer["id"], 1)
    placed = await place_order(cart_id=cart, account_id=buyer["id"], payment_means="card",
                               address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                               idempotency_key=uuid.uuid4().hex, settings=settings)
    provider = SandboxProvider(settings.payment_webhook_secret)
    body, signature = provider.notification(event_id=f"evt_{uuid.uuid4().hex}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency="EUR")
    assert await handle_notification(body, signature, provider=provider, settings=settings) == "paid"
    parts = await SellerOrder.select(SellerOrder.id).where(SellerOrder.order == placed.order_id)

    await asyncio.gather(*(transitions.cancel_by_buyer(part["id"], account_id=buyer["id"], settings=settings)
                           for part in parts))

    # Two items at €129.00: the fee is 2 % of €258.00, €5.16, given back once.
    refunds = await Refund.select(Refund.amount_cents, Refund.fee_cents).where(Refund.order == placed.order_id)
    assert sorted(r["fee_cents"] for r in refunds) == [0, 516]
    assert sum(r["amount_cents"] for r in refunds) == 25_800
    assert await unbalanced_transactions() == []
