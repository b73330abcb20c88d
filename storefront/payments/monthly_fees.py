"""The sellers' monthly flat fee, booked in the ledger once per referenced seller and calendar month.

The job `book-monthly-fees` runs on the 1st of each month (and catches up at start when a 1st was missed): for
each seller referenced at that moment it books the month's fee (`settings.seller_fees.monthly_flat_cents`) as
ledger transaction `fee:<seller>:<YYYY-MM>`, debiting the seller's balance and crediting the platform's
`platform_monthly_fee`. A pending or dereferenced seller pays nothing that month. The `MonthlyFee` row, with
its unique transaction, is written in the same database transaction as the entries: a second run, or a second
process, books nothing.
"""
from __future__ import annotations

import datetime as dt

from storefront.db import is_unique_violation, write_transaction
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry, MonthlyFee
from storefront.sellers.states import SellerStatus
from storefront.sellers.tables import Seller
from storefront.settings import Settings


def fee_transaction(seller_id: int, month: str) -> str:
    return f"fee:{seller_id}:{month}"


async def _book_one(seller_id: int, month: str, fee_cents: int, at: dt.datetime) -> bool:
    transaction = fee_transaction(seller_id, month)
    try:
        async with write_transaction(LedgerEntry._meta.db):
            if await MonthlyFee.exists().where(MonthlyFee.transaction == transaction):
                return False
            await MonthlyFee.insert(MonthlyFee(transaction=transaction, seller=seller_id, month=month,
                                               amount_cents=fee_cents, created_at=at))
            await ledger.post(transaction, None, "monthly_fee", ledger.monthly_fee_postings(seller_id, fee_cents),
                              f"monthly flat fee {month}", at)
    except Exception as error:
        if is_unique_violation(error):
            return False  # another process booked it first
        raise
    return True


async def book_monthly_fees(settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Books the month of `now` (UTC) for every referenced seller that has not paid it yet; returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    month = f"{now:%Y-%m}"
    fee_cents = settings.seller_fees.monthly_flat_cents
    if fee_cents <= 0:
        return 0
    sellers = await Seller.select(Seller.id).where(Seller.status == SellerStatus.referenced).order_by(Seller.id)
    booked = 0
    for seller in sellers:
        booked += await _book_one(seller["id"], month, fee_cents, now)
    return booked
