"""When documents are issued, and finding them for the people who may download them.

- A month's statement and invoice exist once the month is over (UTC): the `issue-documents` job issues them at
  02:00 on the 1st, after the monthly fees are booked at 01:00, for every seller the ledger moved money for in
  the month (an invoice only where the platform charged something); a seller who downloads a closed month first
  gets it issued then. The open month has no numbered document: its statement is on screen only.
- A receipt for an order's service fee is issued on its first download once the order is paid, and the same
  job issues the month's remaining ones. Lazily, not at payment: the payment's transition
  (storefront.orders.transitions) stays as it is, a receipt nobody asked for costs no work on the paying
  request, and the sequence stays gapless because each number is taken in the transaction that stores the
  document (storefront.documents.numbering). Receipts are therefore numbered in the order they are issued.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storefront.documents import contents, notifications
from storefront.documents.numbering import issue, issued, receipt_subject, statement_subject
from storefront.documents.states import DocumentKind
from storefront.documents.tables import Document
from storefront.orders.statements import month_bounds, monthly_statement, shift_month
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry
from storefront.sellers.tables import Seller
from storefront.settings import Settings

DOCUMENTS_PER_PAGE = 50


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def is_closed(year: int, month: int, now: dt.datetime | None = None) -> bool:
    now = now or dt.datetime.now(dt.UTC)
    return (year, month) < (now.year, now.month)


async def _seller_joined(seller_id: int) -> tuple[int, int] | None:
    row = await Seller.select(Seller.joined_at).where(Seller.id == seller_id).first()
    if row is None:
        return None
    joined = row["joined_at"]
    return (joined.year, joined.month) if joined else (2000, 1)


async def _moved(seller_id: int, year: int, month: int, kinds: list[str] | None = None) -> bool:
    """Whether the ledger moved the seller's balance in the month (by entries of these kinds, if given)."""
    start, end = month_bounds(year, month)
    where = ((LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id)
             & (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end))
    return await LedgerEntry.exists().where(where & LedgerEntry.kind.is_in(kinds) if kinds else where)


@dataclass(frozen=True)
class SellerDownloads:
    """What the statement page offers for a month: nothing until it closes, then the statement and, if the
    platform charged anything that month, its invoice."""

    closed: bool
    statement: bool = False
    invoice: bool = False


async def seller_downloads(seller_id: int, year: int, month: int, now: dt.datetime | None = None) -> SellerDownloads:
    if not is_closed(year, month, now):
        return SellerDownloads(closed=False)
    joined = await _seller_joined(seller_id)
    # A month before the seller joined has a statement only if money moved for it then (orders recorded after
    # the fact, such as the demo's history).
    if joined is None or ((year, month) < joined and not await _moved(seller_id, year, month)):
        return SellerDownloads(closed=True)
    # Charged: the invoice has a line (a trade-in bought at a 0 % commission charged nothing).
    charged = bool(await contents.invoice_lines(seller_id, year, month))
    return SellerDownloads(closed=True, statement=True, invoice=charged)


async def issue_statement(seller_id: int, year: int, month: int, settings: Settings, *,
                          now: dt.datetime | None = None, tell_seller: bool = False) -> dict[str, Any] | None:
    """The seller's numbered statement of a closed month (issued now if it was not yet), or None when there
    is none to have: the month is open, before the seller joined, or the seller does not exist. With
    `tell_seller` (the job), issuing it e-mails the seller's contact address."""
    if not (await seller_downloads(seller_id, year, month, now)).statement:
        return None
    subject_key = f"{DocumentKind.statement}:seller:{seller_id}:{_period(year, month)}"
    if (found := await issued(subject_key)) is not None:
        return found
    seller = await contents.seller_identity(seller_id)
    assert seller is not None
    statement = await monthly_statement(seller_id, year, month, settings)
    content = contents.statement_content(statement, seller, settings)

    async def tell(code: str) -> None:
        if tell_seller and seller["email"]:
            await notifications.statement_ready(settings, to=seller["email"], code=code, content=content)

    return await issue(statement_subject(DocumentKind.statement, seller_id, seller["name"], _period(year, month)),
                       content, statement.closing_balance_cents, now=now, on_issue=tell)


async def issue_invoice(seller_id: int, year: int, month: int, settings: Settings, *,
                        now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The platform's numbered invoice to the seller for a closed month, or None when it charged nothing."""
    if not (await seller_downloads(seller_id, year, month, now)).invoice:
        return None
    subject_key = f"{DocumentKind.invoice}:seller:{seller_id}:{_period(year, month)}"
    if (found := await issued(subject_key)) is not None:
        return found
    seller = await contents.seller_identity(seller_id)
    assert seller is not None
    lines = await contents.invoice_lines(seller_id, year, month)
    content = contents.invoice_content(year, month, lines, seller, settings)
    return await issue(statement_subject(DocumentKind.invoice, seller_id, seller["name"], _period(year, month)),
                       content, content["total_cents"], now=now)


async def issue_receipt(account_id: int, reference: str, settings: Settings, *,
                        now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The buyer's numbered receipt for the service fee of its paid order, or None (not theirs, not paid)."""
    order = await contents.receipt_facts(account_id, reference)
    if order is None:
        return None
    return await _receipt(order, account_id, settings, now)


async def _receipt(order: dict[str, Any], account_id: int, settings: Settings,
                   now: dt.datetime | None) -> dict[str, Any]:
    subject = receipt_subject(order["id"], account_id, order["buyer"])
    if (found := await issued(subject.key)) is not None:
        return found
    return await issue(subject, contents.receipt_content(order, settings), order["service_fee_cents"], now=now)


async def issue_month(settings: Settings, *, now: dt.datetime | None = None) -> int:
    """The `issue-documents` job: every document of the month before `now` not issued yet; returns how many
    exist for it now. Sellers by id, receipts by payment time, so a run numbers them in a stable order."""
    now = now or dt.datetime.now(dt.UTC)
    year, month = shift_month(now.year, now.month, -1)
    start, end = month_bounds(year, month)
    sellers = await LedgerEntry.select(LedgerEntry.seller).where(
        (LedgerEntry.account == ledger.SELLER) & LedgerEntry.seller.is_not_null()
        & (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end)).distinct()
    count = 0
    for seller_id in sorted({row["seller"] for row in sellers}):
        # The invoice first: when the seller reads the e-mail the statement sends, both are there.
        count += await issue_invoice(seller_id, year, month, settings, now=now) is not None
        count += await issue_statement(seller_id, year, month, settings, now=now, tell_seller=True) is not None
    for order in await contents.paid_orders(start, end):
        await _receipt(order, order["account_id"], settings, now)
        count += 1
    return count


# Reading, for the downloads and the console


async def document_count() -> int:
    return await Document.count()


async def document_by_id(document_id: int) -> dict[str, Any] | None:
    return await Document.select().where(Document.id == document_id).first()


async def documents_page(page: int) -> tuple[list[dict[str, Any]], int]:
    """The newest documents first, and how many there are."""
    rows = await Document.select(Document.id, Document.kind, Document.code, Document.party_name, Document.seller_id,
                                 Document.order_id, Document.period, Document.issued_at, Document.total_cents,
                                 Document.currency).order_by(Document.id, ascending=False).limit(
        DOCUMENTS_PER_PAGE).offset((page - 1) * DOCUMENTS_PER_PAGE)
    return rows, await Document.count()


@dataclass(frozen=True)
class SeriesCheck:
    """One series as the console checks it: numbers 1 to `last` should be `count` documents, none missing."""

    series: str
    count: int
    last: int
    missing: tuple[int, ...]


async def series_checks() -> list[SeriesCheck]:
    rows = await Document.select(Document.series, Document.number).order_by(Document.series, Document.number)
    numbers: dict[str, list[int]] = {}
    for row in rows:
        numbers.setdefault(row["series"], []).append(row["number"])
    checks = []
    for series, found in numbers.items():
        present = set(found)
        last = max(found)
        checks.append(SeriesCheck(series, len(found), last,
                                  tuple(n for n in range(1, last + 1) if n not in present)[:20]))
    return checks
