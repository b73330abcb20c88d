"""Paying people for their devices in the payout runs (storefront.payments.payouts): every paid trade-in whose
person has not been paid yet, once its refurbisher's balance covers it, is one more credit transfer in the run's
pain.001 file, to the IBAN and holder the person gave when accepting. Its ledger transaction `tipo:<reference>`
moves the price from what is owed to people to the money in transit; a `TradeInTransfer` row (unique per
trade-in), written in the run's transaction, makes sure a person is paid once, whatever runs overlap."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront import units
from storefront.mail.outbox import queue
from storefront.payments import ledger
from storefront.sellers.services import iban_is_valid, normalise_iban
from storefront.settings import Settings
from storefront.tradein import money
from storefront.tradein.operator import contacts
from storefront.tradein.states import TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInTransfer


@dataclass(frozen=True)
class PersonPayout:
    trade_in_id: int
    reference: str
    name: str
    iban: str
    amount_cents: int
    seller_id: int  # the refurbisher whose balance pays it

    @property
    def end_to_end_id(self) -> str:
        return f"ENCORE-TI-{self.reference}"[:35]


async def due_transfers() -> list[PersonPayout]:
    """Paid trade-ins not yet sent to their person, with a valid IBAN (accepting checked it; kept as a guard),
    oldest first. Whether the refurbisher's balance covers each is the run's to say (storefront.payments.payouts)."""
    sent = {row["trade_in"] for row in await TradeInTransfer.select(TradeInTransfer.trade_in)}
    rows = await TradeIn.select(TradeIn.id, TradeIn.reference, TradeIn.holder_name, TradeIn.iban,
                                TradeIn.paid_cents, TradeIn.seller).where(
        (TradeIn.status == TradeInStatus.paid) & TradeIn.paid_cents.is_not_null()).order_by(TradeIn.id)
    due = [PersonPayout(row["id"], row["reference"], row["holder_name"][:70], normalise_iban(row["iban"]),
                        row["paid_cents"], row["seller"]) for row in rows if row["id"] not in sent]
    return [line for line in due if line.amount_cents > 0 and iban_is_valid(line.iban)]


async def record_transfers(run_id: int, run_on: dt.date, lines: list[PersonPayout], now: dt.datetime) -> None:
    """Books and records the transfers of a run, inside the run's transaction."""
    for line in lines:
        await ledger.post(f"tipo:{line.reference}", None, "tradein_transfer",
                          money.transfer_postings(line.amount_cents),
                          f"trade-in {line.reference} paid to the person, payout run {run_on.isoformat()}", now)
    if lines:
        await TradeInTransfer.insert(*(TradeInTransfer(trade_in=line.trade_in_id, payout_run=run_id,
                                                       amount_cents=line.amount_cents, iban=line.iban, created_at=now)
                                       for line in lines))


async def tell_people(run_on: dt.date, sent: list[PersonPayout], held: list[PersonPayout], settings: Settings) -> None:
    """Inside the run's transaction: each person paid hears that the transfer left; a transfer held waits for its
    refurbisher's balance, which both the person and the refurbisher hear, at each run that holds it."""
    for line in sent:
        person, _ = await contacts({"account": await _account_of(line), "seller": line.seller_id})
        if person:
            await queue(to=person, kind="tradein_transfer_sent",
                        subject=f"Trade-in {line.reference}: your money is on its way",
                        body=(f"{units.money(line.amount_cents)} left today by SEPA credit transfer to the account "
                              f"ending {line.iban[-4:]} (payout run of {run_on:%d %B %Y}). Banks usually credit it "
                              f"within one or two working days.\n\n{settings.brand_name}\n"))
    for line in held:
        person, refurbisher = await contacts({"account": await _account_of(line), "seller": line.seller_id})
        if person:
            await queue(to=person, kind="tradein_transfer_held",
                        subject=f"Trade-in {line.reference}: your transfer waits for a later run",
                        body=(f"The {units.money(line.amount_cents)} owed to you for trade-in {line.reference} did "
                              f"not leave in the payout run of {run_on:%d %B %Y}: the refurbisher's balance with "
                              f"{settings.brand_name} does not cover it yet. It leaves in the first run that it "
                              f"covers, and {settings.brand_name}'s team follows it up.\n\n{settings.brand_name}\n"))
        if refurbisher:
            await queue(to=refurbisher, kind="tradein_transfer_held",
                        subject=f"Trade-in {line.reference}: the person's transfer is held",
                        body=(f"Your balance did not cover the {units.money(line.amount_cents)} owed to the person "
                              f"for trade-in {line.reference}, so the payout run of {run_on:%d %B %Y} held it. It "
                              "leaves in the first run your balance covers.\n\n"
                              f"{settings.public_base_url}/seller/trade-in\n"))


async def _account_of(line: PersonPayout) -> int:
    row = await TradeIn.select(TradeIn.account).where(TradeIn.id == line.trade_in_id).first()
    return row["account"] if row else 0
