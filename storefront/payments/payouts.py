"""Payout runs: each seller's payable balance, paid by one SEPA credit transfer file (pain.001.001.03).

**The payable balance** of a seller for a run on date D, read from the ledger's `seller_payable` rows of that
seller (signs from the platform's side: a credit owed to the seller is negative, so the balance is minus
their sum), as they stand when the run is made:

- rows of an order (its payment, the commission on it, a refund of it and the commission handed back with
  it) count once that seller's part of the order was delivered at or before D 00:00 UTC − PAYOUT_DELAY_DAYS
  (default 7): a sale delivered 8 days before the run is payable, one delivered 6 days before waits for the
  next run. A part refused, cancelled or never delivered never counts (its payment and its refund cancel out
  anyway). A refund of a delivered part (a withdrawal, a return, a claim) debits the seller when it is
  decided, not when the provider pays it, so no payout hands out money owed back to a buyer; booked after a
  payout, it may leave the seller below zero, held until its sales make up for it;
- rows of no order (monthly fees, earlier payouts) count as soon as they are booked.

A seller whose payable balance is above zero is paid it all: ledger transaction `payout:<D>:<seller>`
(seller balance → `payouts_in_transit`) and one `CdtTrfTxInf` to its IBAN in the run's file. A seller whose
balance is zero or below (fees and refunds beyond its delivered sales), or that has no valid IBAN, is **held**:
nothing is paid and the run lists it, with its balance, for the operator (/ops/payouts).

A run is claimed by its date (`PayoutRun.run_on` is unique): the run row, the payouts and their ledger
transactions are written in one database transaction, so a second run of the same date, in this process or
another, books nothing. The file is validated against the pain.001.001.03 schema before the transaction
commits (sepaxml's `export(validate=True)`, then xmlschema again here, so a missing validator fails loudly),
kept in the database and written to PAYOUT_FILES_DIR as `pain001-<D>.xml`.

**People who sold a device** (trade-in) are paid in the same file: each paid trade-in not yet sent is one more
`CdtTrfTxInf` to the IBAN the person gave, booked `tipo:<reference>` and recorded once (storefront.tradein.transfers).
Their money was taken from the refurbisher's balance when it paid, so it is never held.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from storefront.db import is_unique_violation, write_transaction
from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.states import PayoutStatus
from storefront.payments.tables import LedgerEntry, Payout, PayoutRun
from storefront.sellers.services import iban_is_valid, normalise_iban
from storefront.sellers.tables import Seller
from storefront.settings import PayoutRules, Settings
from storefront.tradein.transfers import PersonPayout, due_transfers, record_transfers

SCHEMA = "pain.001.001.03"


@dataclass(frozen=True)
class SellerPayout:
    seller_id: int
    name: str
    iban: str
    amount_cents: int

    @property
    def paid(self) -> bool:
        return self.amount_cents > 0 and iban_is_valid(self.iban)


@dataclass(frozen=True)
class RunResult:
    run_id: int
    run_on: dt.date
    paid: tuple[SellerPayout, ...]
    held: tuple[SellerPayout, ...]
    document: bytes
    file: Path | None
    # The people paid for their devices in the same file.
    people: tuple[PersonPayout, ...] = ()

    @property
    def total_cents(self) -> int:
        return sum(p.amount_cents for p in self.paid)


def delivery_cutoff(run_on: dt.date, delay_days: int) -> dt.datetime:
    """Seller orders delivered at or before this moment are payable in the run of `run_on`."""
    return dt.datetime.combine(run_on, dt.time(), dt.UTC) - dt.timedelta(days=delay_days)


async def payable_balances(run_on: dt.date, delay_days: int) -> dict[int, int]:
    """Every seller with a counted ledger row, and its payable balance in cents (the rule above)."""
    cutoff = delivery_cutoff(run_on, delay_days)
    delivered = await SellerOrder.select(SellerOrder.order, SellerOrder.seller).where(
        SellerOrder.delivered_at.is_not_null() & (SellerOrder.delivered_at <= cutoff))
    ready = {(row["order"], row["seller"]) for row in delivered}
    entries = await LedgerEntry.select(LedgerEntry.seller, LedgerEntry.order, LedgerEntry.amount_cents).where(
        (LedgerEntry.account == ledger.SELLER) & LedgerEntry.seller.is_not_null())
    balances: dict[int, int] = {}
    for entry in entries:
        if entry["order"] is None or (entry["order"], entry["seller"]) in ready:
            balances[entry["seller"]] = balances.get(entry["seller"], 0) - entry["amount_cents"]
    return balances


def latest_payout_day(today: dt.date, days: tuple[int, ...]) -> dt.date:
    """The last payout date at or before `today`: the run the job makes (late rather than never)."""
    this_month = [day for day in days if day <= today.day]
    if this_month:
        return today.replace(day=max(this_month))
    last_of_previous = today.replace(day=1) - dt.timedelta(days=1)
    return last_of_previous.replace(day=max(days))


def _validate(document: bytes) -> None:
    import xmlschema
    from sepaxml import validation  # type: ignore[import-untyped]

    schema = xmlschema.XMLSchema(str(Path(validation.__file__).parent / "schemas" / f"{SCHEMA}.xsd"))
    schema.validate(document.decode())


def credit_transfer_file(run_on: dt.date, payouts: list[SellerPayout], rules: PayoutRules,
                         people: list[PersonPayout] | None = None) -> bytes:
    """The pain.001.001.03 file of a run: the platform's account as debtor, one transfer per paid seller and one
    per person paid for a trade-in."""
    from sepaxml import SepaTransfer

    transfer = SepaTransfer({"name": rules.platform_account_name, "IBAN": rules.platform_iban.replace(" ", ""),
                             "BIC": rules.platform_bic, "batch": True, "currency": "EUR"}, schema=SCHEMA, clean=True)
    for payout in payouts:
        transfer.add_payment({
            "name": payout.name, "IBAN": payout.iban, "amount": payout.amount_cents, "execution_date": run_on,
            "description": f"Encore payout {run_on.isoformat()} seller {payout.seller_id}",
            "endtoend_id": f"ENCORE-{run_on:%Y%m%d}-{payout.seller_id}"})
    for person in people or []:
        transfer.add_payment({
            "name": person.name, "IBAN": person.iban, "amount": person.amount_cents, "execution_date": run_on,
            "description": f"Encore trade-in {person.reference}", "endtoend_id": person.end_to_end_id})
    document: bytes = transfer.export(validate=True)
    _validate(document)
    return document


def file_name(run_on: dt.date) -> str:
    return f"pain001-{run_on.isoformat()}.xml"


async def _sellers(seller_ids: list[int]) -> dict[int, dict]:
    if not seller_ids:
        return {}
    rows = await Seller.select(Seller.id, Seller.name, Seller.legal_name, Seller.payment_account).where(
        Seller.id.is_in(seller_ids))
    return {row["id"]: row for row in rows}


async def run_payouts(settings: Settings, run_on: dt.date, *, now: dt.datetime | None = None) -> RunResult | None:
    """The payout run of `run_on`; None when that date has already been run (here or by another process)."""
    now = now or dt.datetime.now(dt.UTC)
    rules = settings.payouts
    try:
        async with write_transaction(LedgerEntry._meta.db):
            if await PayoutRun.exists().where(PayoutRun.run_on == run_on):
                return None
            run = (await PayoutRun.insert(PayoutRun(run_on=run_on, created_at=now)).returning(PayoutRun.id))[0]
            balances = await payable_balances(run_on, rules.delay_days)
            sellers = await _sellers(sorted(balances))
            lines = [SellerPayout(seller_id, sellers[seller_id]["legal_name"] or sellers[seller_id]["name"],
                                  normalise_iban(sellers[seller_id]["payment_account"]), amount)
                     for seller_id, amount in sorted(balances.items())]
            paid = [line for line in lines if line.paid]
            held = [line for line in lines if not line.paid]
            people = await due_transfers()
            document = credit_transfer_file(run_on, paid, rules, people) if paid or people else b""
            await record_transfers(run["id"], run_on, people, now)
            for line in paid:
                await ledger.post(f"payout:{run_on.isoformat()}:{line.seller_id}", None, "payout",
                                  ledger.payout_postings(line.seller_id, line.amount_cents),
                                  f"payout run {run_on.isoformat()}", now)
            if lines:
                await Payout.insert(*(
                    Payout(payout_run=run["id"], seller=line.seller_id, amount_cents=line.amount_cents,
                           iban=line.iban, status=PayoutStatus.paid if line.paid else PayoutStatus.held)
                    for line in lines))
            await PayoutRun.update({
                PayoutRun.payout_count: len(paid) + len(people),
                PayoutRun.total_cents: sum(p.amount_cents for p in paid) + sum(p.amount_cents for p in people),
                PayoutRun.held_count: len(held), PayoutRun.document: document.decode(),
                PayoutRun.file_name: file_name(run_on) if document else "",
            }).where(PayoutRun.id == run["id"])
    except Exception as error:
        if is_unique_violation(error):
            return None
        raise
    written = None
    if document:
        rules.files_dir.mkdir(parents=True, exist_ok=True)
        written = rules.files_dir / file_name(run_on)
        written.write_bytes(document)
    return RunResult(run["id"], run_on, tuple(paid), tuple(held), document, written, tuple(people))
