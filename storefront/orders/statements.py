"""A seller's monthly statement: what it sold, what it owes the platform, and what it is paid.

For one seller and one calendar month (UTC, like every timestamp the store keeps):

- **confirmed transactions**: the seller orders it accepted during the month, each with its amount
  (items and shipping, all taxes included: the seller order's total) and the commission the ledger
  recorded when it was accepted;
- **refunds**: the seller orders refused during the month (dated by the ledger's refund). The buyer got
  the money back and the seller was never paid for them, so they are listed for information only and
  do not enter the payout;
- **the formula**::

      payout = sum(confirmed amounts) − sum(commissions) − monthly flat fee

  The flat fee is the one the ledger booked for the month (transaction `fee:<seller>:<YYYY-MM>`, see
  storefront.payments.monthly_fees), or, until it is booked on the 1st, `settings.seller_fees
  .monthly_flat_cents` (default €50.00), due. The payout may be negative (a quiet month): the seller then
  owes that amount to the platform ("to be paid by the seller");
- **payouts sent**: the ledger's payout transactions of the month (storefront.payments.payouts), each the
  seller's payable balance on a payout day, sent by SEPA credit transfer.

Everything is integer cents. Commissions are read from the ledger, not recomputed, so a statement
always agrees with what was booked even if the rate changes later.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry
from storefront.settings import Settings


@dataclass(frozen=True)
class ConfirmedTransaction:
    seller_order_id: int
    reference: str
    accepted_on: dt.date
    amount_cents: int  # items + shipping, taxes included
    commission_cents: int


@dataclass(frozen=True)
class Refund:
    seller_order_id: int
    reference: str
    refunded_on: dt.date
    amount_cents: int


@dataclass(frozen=True)
class PaidOut:
    paid_on: dt.date
    amount_cents: int


@dataclass(frozen=True)
class Statement:
    seller_id: int
    year: int
    month: int
    transactions: tuple[ConfirmedTransaction, ...]
    refunds: tuple[Refund, ...]
    flat_fee_cents: int
    commission_basis_points: int
    fee_booked: bool = False
    paid_out: tuple[PaidOut, ...] = ()

    @property
    def paid_out_total_cents(self) -> int:
        return sum(p.amount_cents for p in self.paid_out)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def confirmed_total_cents(self) -> int:
        return sum(t.amount_cents for t in self.transactions)

    @property
    def commission_total_cents(self) -> int:
        return sum(t.commission_cents for t in self.transactions)

    @property
    def refunded_total_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds)

    @property
    def payout_cents(self) -> int:
        """Confirmed totals − commissions − flat fee; negative means the seller pays the platform."""
        return self.confirmed_total_cents - self.commission_total_cents - self.flat_fee_cents

    @property
    def paid_by_seller(self) -> bool:
        return self.payout_cents < 0


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar month in UTC."""
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


async def _references(seller_order_ids: list[int]) -> dict[int, str]:
    if not seller_order_ids:
        return {}
    rows = await SellerOrder.select(SellerOrder.id, SellerOrder.order.reference.as_alias("reference")).where(
        SellerOrder.id.is_in(seller_order_ids))
    return {row["id"]: row["reference"] for row in rows}


async def _confirmed(seller_id: int, start: dt.datetime, end: dt.datetime) -> tuple[ConfirmedTransaction, ...]:
    accepted = await SellerOrder.select(
        SellerOrder.id, SellerOrder.total_cents, SellerOrder.accepted_at,
        SellerOrder.order.reference.as_alias("reference"),
    ).where(
        (SellerOrder.seller == seller_id) & (SellerOrder.accepted_at >= start) & (SellerOrder.accepted_at < end)
    ).order_by(SellerOrder.accepted_at, SellerOrder.id)
    if not accepted:
        return ()
    # The ledger books a commission as a debit of what the platform owes the seller (transaction com:<id>).
    entries = await LedgerEntry.select(LedgerEntry.transaction, LedgerEntry.amount_cents).where(
        (LedgerEntry.kind == "commission") & (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
        & LedgerEntry.transaction.is_in([f"com:{row['id']}" for row in accepted]))
    commissions: dict[str, int] = {}
    for entry in entries:
        commissions[entry["transaction"]] = commissions.get(entry["transaction"], 0) + entry["amount_cents"]
    return tuple(
        ConfirmedTransaction(seller_order_id=row["id"], reference=row["reference"],
                             accepted_on=row["accepted_at"].date(), amount_cents=row["total_cents"],
                             commission_cents=commissions.get(f"com:{row['id']}", 0))
        for row in accepted
    )


async def _refunds(seller_id: int, start: dt.datetime, end: dt.datetime) -> tuple[Refund, ...]:
    # A refund gives the seller order's total back: it leaves what the platform owes the seller.
    entries = await LedgerEntry.select(
        LedgerEntry.transaction, LedgerEntry.amount_cents, LedgerEntry.created_at,
    ).where(
        (LedgerEntry.kind == "refund") & (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
        & (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end)
    ).order_by(LedgerEntry.created_at, LedgerEntry.id)
    ids = [int(entry["transaction"].removeprefix("ref:")) for entry in entries]
    references = await _references(ids)
    return tuple(
        Refund(seller_order_id=seller_order_id, reference=references.get(seller_order_id, ""),
               refunded_on=entry["created_at"].date(), amount_cents=entry["amount_cents"])
        for seller_order_id, entry in zip(ids, entries, strict=True)
    )


async def _seller_rows(seller_id: int, kind: str, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The seller's `seller_payable` rows of one kind booked in [start, end): fees and payouts debit it."""
    return await LedgerEntry.select(LedgerEntry.amount_cents, LedgerEntry.created_at).where(
        (LedgerEntry.kind == kind) & (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
        & (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end)
    ).order_by(LedgerEntry.created_at, LedgerEntry.id)


async def monthly_statement(seller_id: int, year: int, month: int, settings: Settings) -> Statement:
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    start, end = month_bounds(year, month)
    fees = await _seller_rows(seller_id, "monthly_fee", start, end)
    payouts = await _seller_rows(seller_id, "payout", start, end)
    return Statement(
        seller_id=seller_id, year=year, month=month,
        transactions=await _confirmed(seller_id, start, end),
        refunds=await _refunds(seller_id, start, end),
        flat_fee_cents=sum(f["amount_cents"] for f in fees) if fees else settings.seller_fees.monthly_flat_cents,
        commission_basis_points=settings.seller_fees.commission_basis_points,
        fee_booked=bool(fees),
        paid_out=tuple(PaidOut(p["created_at"].date(), p["amount_cents"]) for p in payouts),
    )

