"""The ledger: every cent a buyer pays is owed to a seller, is the platform's, or has been refunded.

Double entry. Each transaction's entries add up to zero. Signs are from the platform's point of view:
`psp_clearing` is positive for money held at the payment provider; `seller_payable` and the three
revenue accounts are negative when they grow (a liability or an income); `payouts_in_transit` is negative
for money sent to sellers by a payout run's SEPA transfers (it leaves the provider's account for the banks);
`refunds_due` is negative for refunds decided and not yet paid back by the provider (storefront.payments.refunds).
Monthly fees and payouts belong to no order (their `order` is null).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.payments.tables import LedgerEntry
from storefront.units import percent

PSP = "psp_clearing"
SELLER = "seller_payable"
SERVICE_FEE = "platform_service_fee"
COMMISSION = "platform_commission"
MONTHLY_FEE = "platform_monthly_fee"
PAYOUTS = "payouts_in_transit"
REFUNDS_DUE = "refunds_due"


@dataclass(frozen=True)
class Posting:
    account: str
    amount_cents: int
    seller_id: int | None = None


async def post(transaction: str, order_id: int | None, kind: str, postings: list[Posting], memo: str = "",
               at: dt.datetime | None = None) -> None:
    if sum(p.amount_cents for p in postings) != 0:
        raise ValueError(f"ledger transaction {transaction} does not balance")
    now = at or dt.datetime.now(dt.UTC)
    await LedgerEntry.insert(*(
        LedgerEntry(transaction=transaction, order=order_id, seller=p.seller_id, account=p.account,
                    amount_cents=p.amount_cents, kind=kind, memo=memo, created_at=now)
        for p in postings if p.amount_cents
    ))


async def refunded_to_buyers(order_ids: list[int]) -> dict[int, int]:
    """For each order, how much was refunded to its buyer: what its refund transactions owe the buyer (or, for
    refunds booked before `refunds_due` existed, took out of the clearing account). Orders with no refund are
    absent."""
    if not order_ids:
        return {}
    rows = await LedgerEntry.select(LedgerEntry.order, LedgerEntry.amount_cents).where(
        LedgerEntry.order.is_in(order_ids) & (LedgerEntry.kind == "refund")
        & LedgerEntry.account.is_in([PSP, REFUNDS_DUE]))
    refunded: dict[int, int] = {}
    for row in rows:
        refunded[row["order"]] = refunded.get(row["order"], 0) - row["amount_cents"]
    return refunded


def commission_for(total_cents: int, rate_basis_points: int) -> int:
    """Commission in cents, rounded half up; no float touches it."""
    return (total_cents * rate_basis_points + 5_000) // 10_000


def payment_postings(order: dict, seller_orders: list[dict]) -> list[Posting]:
    """The buyer's payment: held at the provider, owed to each seller, and the platform's service fee."""
    postings = [Posting(PSP, order["total_cents"]), Posting(SERVICE_FEE, -order["service_fee_cents"])]
    postings += [Posting(SELLER, -so["total_cents"], so["seller"]) for so in seller_orders]
    return postings


def commission_postings(seller_order: dict, rate_basis_points: int) -> list[Posting]:
    amount = commission_for(seller_order["total_cents"], rate_basis_points)
    return [Posting(SELLER, amount, seller_order["seller"]), Posting(COMMISSION, -amount)]


def refund_due_postings(seller_id: int, amount_cents: int, fee_refund_cents: int) -> list[Posting]:
    """A refund decided: taken from what the platform owes the seller (`amount_cents`, part or all of the seller
    order's total) and from the service fee, now owed to the buyer until the provider pays it back."""
    return [
        Posting(SELLER, amount_cents, seller_id),
        Posting(SERVICE_FEE, fee_refund_cents),
        Posting(REFUNDS_DUE, -(amount_cents + fee_refund_cents)),
    ]


def refund_sent_postings(amount_cents: int) -> list[Posting]:
    """The provider paid a refund back: it leaves the clearing account, and the buyer is owed it no more."""
    return [Posting(REFUNDS_DUE, amount_cents), Posting(PSP, -amount_cents)]


def commission_reversal_postings(seller_id: int, amount_cents: int) -> list[Posting]:
    """The share of a commission handed back to the seller when the sale it was charged on is refunded."""
    return [Posting(COMMISSION, amount_cents), Posting(SELLER, -amount_cents, seller_id)]


def commission_share(commission_cents: int, total_cents: int, refunded_cents: int) -> int:
    """How much of a commission has been handed back once `refunded_cents` of a seller order's `total_cents`
    went back to the buyer: in proportion, rounded down, so a full refund hands back exactly the commission."""
    if total_cents <= 0:
        return 0
    return commission_cents * min(refunded_cents, total_cents) // total_cents


async def record_payment(order: dict, seller_orders: list[dict], at: dt.datetime | None = None) -> None:
    await post(f"pay:{order['reference']}", order["id"], "payment", payment_postings(order, seller_orders),
               "buyer paid the order", at)


async def record_commission(seller_order: dict, rate_basis_points: int, at: dt.datetime | None = None) -> int:
    await post(f"com:{seller_order['id']}", seller_order["order"], "commission",
               commission_postings(seller_order, rate_basis_points),
               f"commission {percent(rate_basis_points)} on a confirmed transaction", at)
    return commission_for(seller_order["total_cents"], rate_basis_points)


def monthly_fee_postings(seller_id: int, fee_cents: int) -> list[Posting]:
    """The flat fee: taken from what the platform owes the seller, the platform's income."""
    return [Posting(SELLER, fee_cents, seller_id), Posting(MONTHLY_FEE, -fee_cents)]


def payout_postings(seller_id: int, amount_cents: int) -> list[Posting]:
    """A payout: the seller's balance leaves for its bank account by SEPA credit transfer."""
    return [Posting(SELLER, amount_cents, seller_id), Posting(PAYOUTS, -amount_cents)]
