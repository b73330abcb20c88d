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
Their money was taken from the refurbisher's balance when it paid, so the payable balance already counts it; what
the refurbisher holds for its people is that balance plus their transfers not yet sent, less its own payout in the
run. The transfers are sent oldest first while that covers them; one it does not cover is **held**: it stays due,
the console lists it with what was left, and a later run sends it once the refurbisher's sales make up for it. So
a run never sends, for one refurbisher and its people together, more than the refurbisher's balance held. A
refurbisher cannot buy beyond its payable balance (`refuse_unless_covered`): a hold is the backstop for a payment
that could not be refused (a counter-offer accepted after the balance fell, a dispute the operator decided).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from storefront.db import is_unique_violation, write_transaction
from storefront.errors import Refused
from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.states import PayoutStatus
from storefront.payments.tables import LedgerEntry, Payout, PayoutRun
from storefront.sellers.services import iban_is_valid, normalise_iban
from storefront.sellers.tables import Seller
from storefront.settings import PayoutRules, Settings
from storefront.tradein.transfers import PersonPayout, due_transfers, record_transfers, tell_people
from storefront.units import money

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
class HeldTransfer:
    """A person's transfer the run did not send: its refurbisher had `left_cents` for it (the rule above)."""
    person: PersonPayout
    refurbisher: str
    left_cents: int


@dataclass(frozen=True)
class RunResult:
    run_id: int
    run_on: dt.date
    paid: tuple[SellerPayout, ...]
    held: tuple[SellerPayout, ...]
    document: bytes
    file: Path | None
    # The people paid for their devices in the same file, and those whose refurbisher's balance did not cover them.
    people: tuple[PersonPayout, ...] = ()
    people_held: tuple[HeldTransfer, ...] = ()

    @property
    def total_cents(self) -> int:
        return sum(p.amount_cents for p in self.paid)


def delivery_cutoff(run_on: dt.date, delay_days: int) -> dt.datetime:
    """Seller orders delivered at or before this moment are payable in the run of `run_on`."""
    return dt.datetime.combine(run_on, dt.time(), dt.UTC) - dt.timedelta(days=delay_days)


async def payable_balances(run_on: dt.date, delay_days: int, seller_id: int | None = None) -> dict[int, int]:
    """Every seller with a counted ledger row (or only `seller_id`), and its payable balance in cents (the rule
    above)."""
    cutoff = delivery_cutoff(run_on, delay_days)
    delivered_where = SellerOrder.delivered_at.is_not_null() & (SellerOrder.delivered_at <= cutoff)
    entries_where = (LedgerEntry.account == ledger.SELLER) & LedgerEntry.seller.is_not_null()
    if seller_id is not None:
        delivered_where &= SellerOrder.seller == seller_id
        entries_where &= LedgerEntry.seller == seller_id
    delivered = await SellerOrder.select(SellerOrder.order, SellerOrder.seller).where(delivered_where)
    ready = {(row["order"], row["seller"]) for row in delivered}
    entries = await LedgerEntry.select(LedgerEntry.seller, LedgerEntry.order, LedgerEntry.amount_cents).where(
        entries_where)
    balances: dict[int, int] = {}
    for entry in entries:
        if entry["order"] is None or (entry["order"], entry["seller"]) in ready:
            balances[entry["seller"]] = balances.get(entry["seller"], 0) - entry["amount_cents"]
    return balances


async def payable_balance(seller_id: int, on: dt.date, delay_days: int) -> int:
    """One seller's payable balance as a run of `on` would count it: what it has to pay out, or to pay with."""
    return (await payable_balances(on, delay_days, seller_id)).get(seller_id, 0)


async def refuse_unless_covered(seller_id: int, price_cents: int, commission_cents: int, settings: Settings, *,
                                field: str, what: str, on: dt.date | None = None) -> None:
    """A refurbisher pays for a device from its payable balance: refused (on `field`) when that balance does not
    cover the price and the platform's trade-in commission (`what` names the purchase), so the platform never
    advances it the money."""
    on = on or dt.datetime.now(dt.UTC).date()
    # The seller's row is held until the purchase commits (PostgreSQL): two purchases at once, or a purchase beside
    # a payout run (which holds every seller's row), are decided one after the other on the balance the other left.
    await Seller.update({Seller.name: Seller.name}).where(Seller.id == seller_id)
    available = await payable_balance(seller_id, on, settings.payouts.delay_days)
    if available < price_cents + commission_cents:
        cost = money(price_cents) + (f" and the {money(commission_cents)} trade-in commission"
                                     if commission_cents else "")
        raise Refused(field, f"Your {settings.brand_name} balance ({money(max(available, 0))} available) does not "
                             f"cover {what} ({cost}): a sale counts towards it {settings.payouts.delay_days} days "
                             "after its delivery, less fees, refunds and the devices you already bought.")


def cover_people(people: list[PersonPayout], balances: dict[int, int], sent_to_sellers: dict[int, int],
                 names: dict[int, str]) -> tuple[list[PersonPayout], list[HeldTransfer]]:
    """Which people's transfers a run sends, oldest first, and which it holds (the rule above). `balances` are
    the payable balances (the transfers' debits already in them), `sent_to_sellers` what the run pays each
    seller itself."""
    owed: dict[int, int] = {}
    for person in people:
        owed[person.seller_id] = owed.get(person.seller_id, 0) + person.amount_cents
    left = {seller_id: balances.get(seller_id, 0) + total - sent_to_sellers.get(seller_id, 0)
            for seller_id, total in owed.items()}
    sent: list[PersonPayout] = []
    held: list[HeldTransfer] = []
    for person in people:
        if person.amount_cents <= left[person.seller_id]:
            left[person.seller_id] -= person.amount_cents
            sent.append(person)
        else:
            held.append(HeldTransfer(person, names.get(person.seller_id, ""), max(left[person.seller_id], 0)))
    return sent, held


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


async def _seller_lines(balances: dict[int, int]) -> list[SellerPayout]:
    sellers = await _sellers(sorted(balances))
    return [SellerPayout(seller_id, sellers[seller_id]["legal_name"] or sellers[seller_id]["name"],
                         normalise_iban(sellers[seller_id]["payment_account"]), amount)
            for seller_id, amount in sorted(balances.items())]


async def _people(balances: dict[int, int], lines: list[SellerPayout]) -> tuple[list[PersonPayout],
                                                                                 list[HeldTransfer]]:
    due = await due_transfers()
    names = {seller_id: row["name"] for seller_id, row in (await _sellers(sorted({p.seller_id for p in due}))).items()}
    return cover_people(due, balances, {line.seller_id: line.amount_cents for line in lines if line.paid}, names)


async def transfers_held_now(settings: Settings, today: dt.date | None = None) -> list[HeldTransfer]:
    """The people's transfers a run made today would hold, for the console: they wait for their refurbisher."""
    today = today or dt.datetime.now(dt.UTC).date()
    balances = await payable_balances(today, settings.payouts.delay_days)
    return (await _people(balances, await _seller_lines(balances)))[1]


async def run_payouts(settings: Settings, run_on: dt.date, *, now: dt.datetime | None = None) -> RunResult | None:
    """The payout run of `run_on`; None when that date has already been run (here or by another process)."""
    now = now or dt.datetime.now(dt.UTC)
    rules = settings.payouts
    try:
        async with write_transaction(LedgerEntry._meta.db):
            if await PayoutRun.exists().where(PayoutRun.run_on == run_on):
                return None
            run = (await PayoutRun.insert(PayoutRun(run_on=run_on, created_at=now)).returning(PayoutRun.id))[0]
            # Every seller's row held until the run commits (PostgreSQL): a trade-in bought meanwhile waits, so the
            # balances and the people's transfers below are read alike, and no purchase lands between them.
            await Seller.update({Seller.name: Seller.name}).where(Seller.id > 0)
            balances = await payable_balances(run_on, rules.delay_days)
            lines = await _seller_lines(balances)
            paid = [line for line in lines if line.paid]
            held = [line for line in lines if not line.paid]
            people, people_held = await _people(balances, lines)
            document = credit_transfer_file(run_on, paid, rules, people) if paid or people else b""
            await record_transfers(run["id"], run_on, people, now)
            await tell_people(run_on, people, [h.person for h in people_held], settings)
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
                PayoutRun.held_count: len(held) + len(people_held), PayoutRun.document: document.decode(),
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
    return RunResult(run["id"], run_on, tuple(paid), tuple(held), document, written, tuple(people),
                     tuple(people_held))
