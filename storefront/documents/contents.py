"""What each document says, read from rows at issue time and frozen as plain JSON data.

- **Statement**: `storefront.orders.statements.monthly_statement` as it stands, taken generically: its summary
  figures, then every tuple of lines it holds (confirmed transactions, refunds, payouts sent, and whatever it
  gains later) as a table whose columns are the lines' fields (`*_cents` are money, dates are dates). A new
  field or a new kind of line shows up in the PDF and the CSV without a change here; `LABELS` names it well.
- **Invoice** (the platform's, to the seller): the month's flat fee and commissions as the ledger booked them
  on the seller's balance, less commissions reversed (kind `commission_reversal`), each line what the
  transaction moved into or out of `platform_commission`; and the trade-in commission on each device the seller
  bought (kind `tradein_payment`), what it moved into `platform_tradein_commission`. Amounts include VAT at
  `PLATFORM_VAT_BASIS_POINTS`.
- **Receipt** (the platform's, to the buyer): the service fee the order paid.
Each carries the operator's identity and the other party's, as they were on the day of issue.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from storefront.accounts.tables import Account
from storefront.orders.statements import Statement, month_bounds
from storefront.orders.tables import Order
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein.money import TRADEIN_COMMISSION
from storefront.units import percent

COMMISSION_KINDS = ("commission", "commission_reversal")
TRADEIN_KIND = "tradein_payment"
# Each kind of charging transaction → the platform's account it credits.
CHARGED_ACCOUNTS = {"commission": ledger.COMMISSION, "commission_reversal": ledger.COMMISSION,
                    TRADEIN_KIND: TRADEIN_COMMISSION}
INVOICED_KINDS = ("monthly_fee", *CHARGED_ACCOUNTS)
# Field and section names of the statement → the words a seller reads; anything unnamed reads as its name.
LABELS = {
    "transactions": "Confirmed transactions", "refunds": "Refunds", "paid_out": "Payouts sent",
    "reference": "Order", "accepted_on": "Accepted on", "refunded_on": "Refunded on", "paid_on": "Sent on",
    "amount_cents": "Amount", "commission_cents": "Commission",
}
# Internal ids say nothing to the reader of a document.
HIDDEN_FIELDS = {"seller_order_id", "seller_id"}


def _label(name: str) -> str:
    return LABELS.get(name) or name.removesuffix("_cents").replace("_", " ").capitalize()


def month_label(period: str) -> str:
    return dt.date(int(period[:4]), int(period[5:7]), 1).strftime("%B %Y")


def operator_identity(settings: Settings) -> dict[str, str]:
    operator = settings.operator
    return {"name": operator.legal_name, "address": operator.address, "trade_register": operator.trade_register,
            "vat_number": operator.vat_number, "email": operator.contact_email}


async def seller_identity(seller_id: int) -> dict[str, str] | None:
    row = await Seller.select(Seller.name, Seller.legal_name, Seller.address, Seller.country, Seller.vat_number,
                              Seller.trade_register_number, Seller.email).where(Seller.id == seller_id).first()
    if row is None:
        return None
    return {"name": row["legal_name"] or row["name"], "shop": row["name"], "address": row["address"],
            "country": row["country"], "vat_number": row["vat_number"],
            "trade_register": row["trade_register_number"], "email": row["email"]}


def vat_included(total_cents: int, rate_basis_points: int) -> tuple[int, int]:
    """(net, VAT) of an amount that includes VAT at the rate, rounded half up on the net, away from zero:
    6000 at 20 % → (5000, 1000); 49 at 20 % → (41, 8)."""
    if rate_basis_points <= 0:
        return total_cents, 0
    divisor = 10_000 + rate_basis_points
    net = (abs(total_cents) * 20_000 + divisor) // (2 * divisor)
    net = net if total_cents >= 0 else -net
    return net, total_cents - net


def _cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int):
        return value
    return str(value)


def _section(name: str, lines: tuple[Any, ...]) -> dict[str, Any]:
    fields = [f.name for f in dataclasses.fields(lines[0]) if f.name not in HIDDEN_FIELDS] if lines else []
    columns = [{"name": n, "label": _label(n), "money": n.endswith("_cents")} for n in fields]
    rows = [[_cell(getattr(line, n)) for n in fields] for line in lines]
    totals = [sum(row[i] for row in rows) if column["money"] else None for i, column in enumerate(columns)]
    return {"name": name, "title": _label(name), "columns": columns, "rows": rows,
            "totals": totals if rows and any(t is not None for t in totals) else None}


def statement_content(statement: Statement, seller: dict[str, str], settings: Settings) -> dict[str, Any]:
    """The statement as its document shows it: the month's summary by kind of movement, the closing balance,
    and every movement (storefront.orders.statements reads them from the ledger)."""
    summary = [{"label": f"Balance on {statement.first_day:%d %B %Y}", "cents": statement.opening_balance_cents},
               {"label": f"Sales ({statement.count('payment')})", "cents": statement.sales_cents},
               {"label": f"Commission ({percent(statement.commission_basis_points)} of each confirmed transaction)",
                "cents": -statement.commission_cents},
               {"label": f"Refunds to buyers ({statement.count('refund')})", "cents": -statement.refunds_cents},
               {"label": "Commission handed back on refunds", "cents": statement.commission_reversed_cents},
               {"label": "Monthly flat fee" + ("" if statement.fee_booked else " (due, not booked yet)"),
                "cents": -statement.fees_cents},
               {"label": "Payouts to the seller's bank account", "cents": -statement.payouts_cents}]
    closing = statement.closing_balance_cents
    total = {"label": "Owed by the seller at the end of the month" if closing < 0
             else "Owed to the seller at the end of the month", "cents": abs(closing)}
    lines = [[line.booked_on.isoformat(), line.label, line.reference, line.amount_cents] for line in statement.lines]
    sections = [{"name": "movements", "title": "Movements",
                 "columns": [{"name": "booked_on", "label": "Date", "money": False},
                             {"name": "label", "label": "What", "money": False},
                             {"name": "reference", "label": "Order", "money": False},
                             {"name": "amount_cents", "label": "Amount", "money": True}],
                 "rows": lines,
                 "totals": [None, None, None, statement.movements_cents] if lines else None}]
    period = f"{statement.year:04d}-{statement.month:02d}"
    return {"kind": "statement", "period": period, "period_label": month_label(period),
            "issuer": operator_identity(settings), "seller": seller, "summary": summary, "total": total,
            "sections": sections, "currency": settings.currency,
            "note": "Every movement is an entry of the seller's account with the platform: a sale is credited when "
                    "the buyer pays, the commission charged when the seller accepts (a confirmed transaction), a "
                    "refund takes back what the buyer gets back and hands back the same share of its commission. "
                    "Months run in UTC; amounts include all taxes."}


async def invoice_lines(seller_id: int, year: int, month: int) -> list[dict[str, Any]]:
    """The invoice's lines, from the ledger: what the month's fee, commission and trade-in transactions took from
    the seller's balance for the platform (a reversal gives some back: a negative line)."""
    start, end = month_bounds(year, month)
    mine = await LedgerEntry.select(LedgerEntry.transaction, LedgerEntry.kind, LedgerEntry.amount_cents,
                                    LedgerEntry.created_at, LedgerEntry.order.reference.as_alias("reference")).where(
        (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
        & LedgerEntry.kind.is_in(list(INVOICED_KINDS))
        & (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end)
    ).order_by(LedgerEntry.created_at, LedgerEntry.id)
    charging = [row["transaction"] for row in mine if row["kind"] in CHARGED_ACCOUNTS]
    # What each charging transaction moved on the platform's side: negative is income (the ledger's signs).
    platform: dict[tuple[str, str], int] = {}
    if charging:
        for entry in await LedgerEntry.select(LedgerEntry.transaction, LedgerEntry.account,
                                              LedgerEntry.amount_cents).where(
                LedgerEntry.account.is_in(sorted(set(CHARGED_ACCOUNTS.values())))
                & LedgerEntry.transaction.is_in(charging)):
            key = (entry["transaction"], entry["account"])
            platform[key] = platform.get(key, 0) - entry["amount_cents"]
    lines: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in mine:
        if row["transaction"] in seen:
            continue
        seen.add(row["transaction"])
        on = row["created_at"].date().isoformat()
        if row["kind"] == "monthly_fee":
            amount = sum(r["amount_cents"] for r in mine if r["transaction"] == row["transaction"])
            lines.append({"date": on, "description": f"Monthly flat fee, {month_label(f'{year:04d}-{month:02d}')}",
                          "reference": "", "cents": amount})
            continue
        amount = platform.get((row["transaction"], CHARGED_ACCOUNTS[row["kind"]]), 0)
        if amount == 0:
            continue
        if row["kind"] == TRADEIN_KIND:
            reference = row["transaction"].removeprefix("tip:")
            lines.append({"date": on, "description": f"Trade-in commission on device {reference}",
                          "reference": reference, "cents": amount})
            continue
        what = "Commission on confirmed transaction" if amount > 0 else "Commission reversed on order"
        lines.append({"date": on, "description": f"{what} {row['reference'] or ''}".strip(),
                      "reference": row["reference"] or "", "cents": amount})
    return lines


def invoice_content(year: int, month: int, lines: list[dict[str, Any]], seller: dict[str, str],
                    settings: Settings) -> dict[str, Any]:
    total = sum(line["cents"] for line in lines)
    rate = settings.operator.vat_basis_points
    net, vat = vat_included(total, rate)
    period = f"{year:04d}-{month:02d}"
    return {"kind": "invoice", "period": period, "period_label": month_label(period),
            "issuer": operator_identity(settings), "customer": seller, "lines": lines, "total_cents": total,
            "net_cents": net, "vat_cents": vat, "vat_basis_points": rate, "currency": settings.currency,
            "due": "Settled from the seller's balance held by the platform (nothing to transfer)."}


async def receipt_facts(account_id: int, reference: str) -> dict[str, Any] | None:
    """The buyer's paid order named `reference`, or None (not theirs, missing or not paid)."""
    return await Order.select(Order.id, Order.reference, Order.paid_at, Order.service_fee_cents, Order.currency,
                              Order.payment_means, Order.account.name.as_alias("buyer")).where(
        (Order.reference == reference) & (Order.account == account_id) & Order.paid_at.is_not_null()).first()


async def paid_orders(start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    return await Order.select(Order.id, Order.reference, Order.paid_at, Order.service_fee_cents, Order.currency,
                              Order.payment_means, Order.account.as_alias("account_id"),
                              Order.account.name.as_alias("buyer")).where(
        (Order.paid_at >= start) & (Order.paid_at < end)).order_by(Order.paid_at, Order.id)


def receipt_content(order: dict[str, Any], settings: Settings) -> dict[str, Any]:
    net, vat = vat_included(order["service_fee_cents"], settings.operator.vat_basis_points)
    return {"kind": "receipt", "issuer": operator_identity(settings), "buyer": order["buyer"],
            "reference": order["reference"], "paid_on": order["paid_at"].date().isoformat(),
            "payment_means": order["payment_means"], "fee_cents": order["service_fee_cents"], "net_cents": net,
            "vat_cents": vat, "vat_basis_points": settings.operator.vat_basis_points,
            "currency": order["currency"],
            "note": "The service fee is the platform's charge for the order, paid with it. The items and their "
                    "shipping are sold by the sellers, who invoice them."}


async def account_name(account_id: int) -> str:
    row = await Account.select(Account.name).where(Account.id == account_id).first()
    return row["name"] if row else ""
