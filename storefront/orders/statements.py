"""A seller's monthly statement: its account with the platform for one calendar month (UTC, like every
timestamp the store keeps), read from the ledger's `seller_payable` entries and nothing else, so a statement
always equals the ledger.

- **opening balance**: what the platform owed the seller at the start of the month (all its entries before);
- **movements**, in the order they were booked, from the seller's side (+ owed to the seller, − taken off):
  - *sale*: a buyer paid an order (items and shipping, all taxes included), + the seller order's total;
  - *commission*: the seller accepted it, a confirmed transaction: − the commission the ledger recorded
    (read, not recomputed, so a later change of rate does not rewrite history);
  - *refund*: all or part of a sale went back to the buyer (refusal, cancellation, withdrawal, return, claim);
  - *commission handed back*: the matching share of the commission on a refunded sale;
  - *monthly fee*: the flat fee, booked on the 1st (storefront.payments.monthly_fees);
  - *payout*: the balance sent to the seller's bank account on a payout day (storefront.payments.payouts);
  - *trade-in bought*: a used device the seller bought from a person, with the platform's trade-in commission
    (storefront.tradein.money);
- **closing balance** = opening + movements. Negative means the seller owes the platform.

Everything is integer cents.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry
from storefront.settings import Settings

KIND_LABELS = {
    "payment": "Sale",
    "commission": "Commission",
    "refund": "Refund to the buyer",
    "commission_reversal": "Commission handed back",
    "monthly_fee": "Monthly flat fee",
    "payout": "Payout to your bank account",
    "tradein_payment": "Trade-in bought (price and commission)",
}
KINDS = tuple(KIND_LABELS)


@dataclass(frozen=True)
class StatementLine:
    booked_on: dt.date
    kind: str
    reference: str  # the order's reference, empty for fees and payouts
    seller_order_id: int | None
    amount_cents: int  # + owed to the seller, − taken off its balance

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Statement:
    seller_id: int
    year: int
    month: int
    opening_balance_cents: int
    lines: tuple[StatementLine, ...]
    commission_basis_points: int
    flat_fee_cents: int  # as booked for the month, or as configured while it is still due
    fee_booked: bool = False

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def total(self, kind: str) -> int:
        return sum(line.amount_cents for line in self.lines if line.kind == kind)

    def count(self, kind: str) -> int:
        return sum(1 for line in self.lines if line.kind == kind)

    @property
    def sales_cents(self) -> int:
        return self.total("payment")

    @property
    def commission_cents(self) -> int:
        """Charged, as a positive figure."""
        return -self.total("commission")

    @property
    def refunds_cents(self) -> int:
        return -self.total("refund")

    @property
    def commission_reversed_cents(self) -> int:
        return self.total("commission_reversal")

    @property
    def fees_cents(self) -> int:
        return -self.total("monthly_fee")

    @property
    def payouts_cents(self) -> int:
        return -self.total("payout")

    @property
    def movements_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def closing_balance_cents(self) -> int:
        return self.opening_balance_cents + self.movements_cents

    @property
    def owed_by_seller(self) -> bool:
        return self.closing_balance_cents < 0


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar month in UTC."""
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


async def balance_before(seller_id: int, moment: dt.datetime) -> int:
    """What the platform owed the seller just before `moment` (negative: what the seller owed)."""
    rows = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
        & (LedgerEntry.created_at < moment))
    return -sum(row["amount_cents"] for row in rows)


async def monthly_statement(seller_id: int, year: int, month: int, settings: Settings) -> Statement:
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    start, end = month_bounds(year, month)
    entries = await LedgerEntry.select(
        LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.created_at, LedgerEntry.order,
        LedgerEntry.order.reference.as_alias("reference"),
    ).where(
        (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
        & (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end)
    ).order_by(LedgerEntry.created_at, LedgerEntry.id)
    order_ids = sorted({e["order"] for e in entries if e["order"] is not None})
    # A seller has one part per order, so the order names the seller order a line is about.
    parts = {row["order"]: row["id"] for row in await SellerOrder.select(SellerOrder.id, SellerOrder.order).where(
        (SellerOrder.seller == seller_id) & SellerOrder.order.is_in(order_ids))} if order_ids else {}
    lines = tuple(
        StatementLine(booked_on=e["created_at"].date(), kind=e["kind"], reference=e["reference"] or "",
                      seller_order_id=parts.get(e["order"]), amount_cents=-e["amount_cents"])
        for e in entries
    )
    fees = [line for line in lines if line.kind == "monthly_fee"]
    return Statement(
        seller_id=seller_id, year=year, month=month,
        opening_balance_cents=await balance_before(seller_id, start),
        lines=lines,
        commission_basis_points=settings.seller_fees.commission_basis_points,
        flat_fee_cents=-sum(f.amount_cents for f in fees) if fees else settings.seller_fees.monthly_flat_cents,
        fee_booked=bool(fees),
    )
