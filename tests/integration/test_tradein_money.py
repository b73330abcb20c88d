"""Trade-in money: a refurbisher pays for devices from its own balance, never the platform's.

- Paying a quote or making a counter-offer is refused when the refurbisher's payable balance does not cover the
  price and the trade-in commission.
- A payment that cannot be refused (the operator decides a dispute "pay") is sent to the person only once the
  refurbisher's balance covers it: until then the payout run holds the transfer and the console lists it.
- The trade-in commission is a line of the refurbisher's monthly invoice.

A sale of the `shop` fixture's seller (€129.00, 10 % commission) puts €116.10 on its payable balance once it was
delivered more than 7 days before the run."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.app import create_app
from storefront.errors import Refused
from storefront.mail.tables import OutboxEmail
from storefront.payments.payouts import run_payouts
from storefront.payments.tables import LedgerEntry, Payout
from storefront.settings import Settings
from storefront.tradein import inspection, operator
from storefront.tradein.tables import TradeIn, TradeInTransfer
from tests.integration.builders import demo_operator_id
from tests.integration.commerce import post_form, sign_in
from tests.integration.test_payouts import sold_and_delivered, transfers
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller
from tests.integration.test_tradein_operator import as_operator, trade_in
from tests.integration.test_valid_html import nu_checker  # noqa: F401  (a fixture)

VALID_IMEI = "352099001761481"


def with_commission(settings: Settings, basis_points: int, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        settings, tradein=dataclasses.replace(settings.tradein, commission_basis_points=basis_points),
        payouts=dataclasses.replace(settings.payouts, files_dir=tmp_path))


async def inspected(shop: ExclusiveSeller, quote_cents: int) -> dict[str, Any]:
    return await trade_in(shop, "received", quote_cents=quote_cents, imei_or_serial=VALID_IMEI,
                          found_state="functional_good")


async def decided_pay(t: dict[str, Any], settings: Settings, now: dt.datetime | None = None) -> None:
    """The operator pays the quote on a dispute: nobody can refuse that payment."""
    dispute = await operator.raise_dispute(t["id"], "person", "Please pay.", settings=settings, now=now)
    await operator.decide_dispute(dispute, outcome="pay", reasons="As declared.",
                                  operator_id=await demo_operator_id(), settings=settings, now=now)


async def subjects_about(reference: str, kind: str) -> list[tuple[str, str]]:
    rows = await OutboxEmail.select(OutboxEmail.to_address, OutboxEmail.subject).where(
        (OutboxEmail.kind == kind) & OutboxEmail.subject.like(f"%{reference}%"))
    return sorted((row["to_address"], row["subject"]) for row in rows)


async def status_of(trade_in_id: int) -> str:
    return (await TradeIn.select(TradeIn.status).where(TradeIn.id == trade_in_id).first())["status"]


# Refused when the balance does not cover it ------------------------------------------------------------------

async def test_a_refurbisher_without_sales_cannot_pay_a_quote(client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await inspected(shop, 40_000)
    await sign_in(client, shop.account_id)
    page = f"/seller/trade-in/devices/{t['id']}"

    answer = await post_form(client, page, f"{page}/pay", follow_redirects=False)

    assert answer.status_code == 400
    assert ('id="f-decision-error">Your Encore balance (€0.00 available) does not cover this purchase (€400.00): '
            'a sale counts towards it 7 days after its delivery') in answer.text
    assert await status_of(t["id"]) == "received"
    assert await LedgerEntry.count().where(LedgerEntry.transaction == f"tip:{t['reference']}") == 0


async def test_a_counter_offer_beyond_the_balance_is_refused_next_to_its_amount(client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    t = await inspected(shop, 40_000)
    await sign_in(client, shop.account_id)
    page = f"/seller/trade-in/devices/{t['id']}"

    answer = await post_form(client, page, f"{page}/counter-offer",
                             {"amount": "300.00", "reasons": "screen", "comment": ""}, follow_redirects=False)

    assert answer.status_code == 400
    assert ('id="f-amount-error">Your Encore balance (€0.00 available) does not cover this counter-offer '
            '(€300.00)') in answer.text
    assert 'value="300.00"' in answer.text
    assert await status_of(t["id"]) == "received"


async def test_the_balance_must_cover_the_price_and_the_commission(shop: ExclusiveSeller, settings: Settings,
                                                                  drainer: OutboxDrainer, tmp_path: Path) -> None:
    five_percent = with_commission(settings, 500, tmp_path)
    await sold_and_delivered(shop, settings, drainer, days_ago=8)  # €116.10 payable
    dear, fair = await inspected(shop, 11_100), await inspected(shop, 11_000)

    with pytest.raises(Refused) as refused:
        await inspection.pay(dear["id"], seller_id=shop.seller_id, settings=five_percent)
    commission = await inspection.pay(fair["id"], seller_id=shop.seller_id, settings=five_percent)

    assert refused.value.problems == {"decision": (
        "Your Encore balance (€116.10 available) does not cover this purchase (€111.00 and the €5.55 trade-in "
        "commission): a sale counts towards it 7 days after its delivery, less fees, refunds and the devices you "
        "already bought.")}
    assert commission == 550
    assert (await status_of(dear["id"]), await status_of(fair["id"])) == ("received", "paid")
    # €116.10 − €115.50: what is left does not buy a second device.
    with pytest.raises(Refused):
        await inspection.pay(dear["id"], seller_id=shop.seller_id, settings=five_percent)


async def test_a_sale_delivered_6_days_ago_does_not_pay_for_a_device_yet(shop: ExclusiveSeller, settings: Settings,
                                                                        drainer: OutboxDrainer) -> None:
    await sold_and_delivered(shop, settings, drainer, days_ago=6)
    t = await inspected(shop, 5_000)

    with pytest.raises(Refused):
        await inspection.pay(t["id"], seller_id=shop.seller_id, settings=settings)

    assert await status_of(t["id"]) == "received"


# The payout run's backstop -----------------------------------------------------------------------------------

async def test_a_payment_the_balance_does_not_cover_is_held_until_sales_make_up_for_it(
        shop: ExclusiveSeller, settings: Settings, drainer: OutboxDrainer, tmp_path: Path,
        client: AsyncTestClient, nu_checker: list[str]) -> None:  # noqa: F811
    payout_settings = with_commission(settings, 0, tmp_path)
    await sold_and_delivered(shop, settings, drainer, days_ago=9)  # €116.10
    t = await inspected(shop, 18_000)
    await decided_pay(t, settings)  # balance: €116.10 − €180.00 = −€63.90

    first = await run_payouts(payout_settings, dt.date(2031, 1, 6))

    assert first is not None
    assert [p.trade_in_id for p in first.people if p.trade_in_id == t["id"]] == []
    assert [(h.person.reference, h.left_cents) for h in first.people_held if h.person.seller_id == shop.seller_id] == [
        (t["reference"], 11_610)]
    assert f"ENCORE-TI-{t['reference']}" not in transfers(first.document)
    assert await TradeInTransfer.count().where(TradeInTransfer.trade_in == t["id"]) == 0
    assert await LedgerEntry.count().where(LedgerEntry.transaction == f"tipo:{t['reference']}") == 0
    assert [(p.seller_id, p.amount_cents) for p in first.held if p.seller_id == shop.seller_id] == [
        (shop.seller_id, -6_390)]
    # Both sides hear that the transfer waits.
    assert await subjects_about(t["reference"], "tradein_transfer_held") == sorted([
        (t["person"]["email"], f"Trade-in {t['reference']}: your transfer waits for a later run"),
        (shop.email, f"Trade-in {t['reference']}: the person's transfer is held")])

    await as_operator(client)
    console = (await client.get("/ops/payouts")).text
    assert "Transfers to people held" in console
    assert f">{t['reference']}</a>" in console and "€180.00" in console
    assert "The refurbisher's balance leaves €116.10 for it" in console
    (tmp_path / "payouts.html").write_text(console, encoding="utf-8")
    done = subprocess.run([*nu_checker, str(tmp_path / "payouts.html")], capture_output=True, text=True, timeout=120)
    assert [m for m in json.loads(done.stderr or "{}").get("messages", []) if m.get("type") == "error"] == []

    await sold_and_delivered(shop, settings, drainer, days_ago=8)  # €232.20 sold: €52.20 left after the device
    second = await run_payouts(payout_settings, dt.date(2031, 1, 16))

    assert second is not None and second.people_held == ()
    assert [(p.reference, p.amount_cents) for p in second.people if p.trade_in_id == t["id"]] == [
        (t["reference"], 18_000)]
    assert transfers(second.document)[f"ENCORE-TI-{t['reference']}"][1] == "180.00"
    assert [(p.seller_id, p.amount_cents) for p in second.paid if p.seller_id == shop.seller_id] == [
        (shop.seller_id, 5_220)]
    assert await TradeInTransfer.count().where(TradeInTransfer.trade_in == t["id"]) == 1
    assert "No transfer to a person is held" in (await client.get("/ops/payouts")).text
    assert await subjects_about(t["reference"], "tradein_transfer_sent") == [
        (t["person"]["email"], f"Trade-in {t['reference']}: your money is on its way")]


async def test_one_run_never_sends_more_than_the_balance_for_a_refurbisher_and_its_people(
        shop: ExclusiveSeller, settings: Settings, drainer: OutboxDrainer, tmp_path: Path) -> None:
    payout_settings = with_commission(settings, 0, tmp_path)
    await sold_and_delivered(shop, settings, drainer, days_ago=9)
    await sold_and_delivered(shop, settings, drainer, days_ago=9)  # €232.20
    older, newer = await inspected(shop, 18_000), await inspected(shop, 18_000)
    await decided_pay(older, settings)
    await decided_pay(newer, settings)  # balance: €232.20 − €360.00 = −€127.80

    run = await run_payouts(payout_settings, dt.date(2031, 2, 6))

    assert run is not None
    assert [p.reference for p in run.people if p.seller_id == shop.seller_id] == [older["reference"]]
    assert [(h.person.reference, h.left_cents) for h in run.people_held if h.person.seller_id == shop.seller_id] == [
        (newer["reference"], 5_220)]
    payouts = await Payout.select(Payout.amount_cents, Payout.status).where(
        (Payout.seller == shop.seller_id) & (Payout.payout_run == run.run_id))
    assert payouts == [{"amount_cents": -12_780, "status": "held"}]
    sent = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.account == "payouts_in_transit")
        & LedgerEntry.transaction.is_in([f"tipo:{older['reference']}", f"tipo:{newer['reference']}",
                                         f"payout:2031-02-06:{shop.seller_id}"]))
    assert [row["amount_cents"] for row in sent] == [-18_000]


async def test_a_covered_refurbisher_is_paid_its_balance_and_its_people_in_the_same_run(
        shop: ExclusiveSeller, settings: Settings, drainer: OutboxDrainer, tmp_path: Path) -> None:
    payout_settings = with_commission(settings, 0, tmp_path)
    await sold_and_delivered(shop, settings, drainer, days_ago=9)
    await sold_and_delivered(shop, settings, drainer, days_ago=9)  # €232.20
    t = await inspected(shop, 10_000)
    await inspection.pay(t["id"], seller_id=shop.seller_id, settings=settings)

    run = await run_payouts(payout_settings, dt.date(2031, 3, 6))

    assert run is not None and run.people_held == ()
    assert [(p.seller_id, p.amount_cents) for p in run.paid if p.seller_id == shop.seller_id] == [
        (shop.seller_id, 13_220)]
    assert [p.amount_cents for p in run.people if p.trade_in_id == t["id"]] == [10_000]


# The invoice -------------------------------------------------------------------------------------------------

async def test_the_trade_in_commission_is_a_line_of_the_monthly_invoice(settings: Settings, backend,
                                                                        tmp_path: Path) -> None:
    five_percent = with_commission(settings, 500, tmp_path)
    shop = await exclusive_seller(joined_at=dt.datetime(2026, 9, 14, tzinfo=dt.UTC))
    t = await trade_in(shop, "received", quote_cents=20_000)
    await decided_pay(t, five_percent, now=dt.datetime(2026, 10, 15, 9, tzinfo=dt.UTC))

    async with AsyncTestClient(app=create_app(five_percent, backend)) as client:
        await sign_in(client, shop.account_id)
        csv = (await client.get("/seller/documents/2026-10/invoice.csv")).content.decode("utf-8-sig").splitlines()

    assert f"2026-10-15,Trade-in commission on device {t['reference']},{t['reference']},10.00" in csv
    assert "Total incl. VAT,,,10.00" in csv


async def test_a_trade_in_at_no_commission_makes_no_invoice(client: AsyncTestClient, settings: Settings) -> None:
    shop = await exclusive_seller(joined_at=dt.datetime(2026, 9, 14, tzinfo=dt.UTC))
    t = await trade_in(shop, "received", quote_cents=20_000)
    await decided_pay(t, settings, now=dt.datetime(2026, 10, 15, 9, tzinfo=dt.UTC))
    await sign_in(client, shop.account_id)

    assert (await client.get("/seller/documents/2026-10/invoice.csv")).status_code == 404
    assert (await client.get("/seller/documents/2026-10/statement.csv")).status_code == 200
