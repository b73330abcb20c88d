"""The ledger: every cent a buyer pays is owed to a seller, is the platform's, or has been refunded.

Double entry. Each transaction's entries add up to zero. Signs are from the platform's point of view:
`psp_clearing` is positive for money held at the payment provider; `seller_payable` and the two
revenue accounts are negative when they grow (a liability or an income).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from storefront.payments.tables import LedgerEntry
from storefront.units import percent

PSP = "psp_clearing"
SELLER = "seller_payable"
SERVICE_FEE = "platform_service_fee"
COMMISSION = "platform_commission"


@dataclass(frozen=True)
class Posting:
    account: str
    amount_cents: int
    seller_id: int | None = None


async def post(transaction: str, order_id: int, kind: str, postings: list[Posting], memo: str = "") -> None:
    if sum(p.amount_cents for p in postings) != 0:
        raise ValueError(f"ledger transaction {transaction} does not balance")
    now = dt.datetime.now(dt.UTC)
    await LedgerEntry.insert(*(
        LedgerEntry(transaction=transaction, order=order_id, seller=p.seller_id, account=p.account,
                    amount_cents=p.amount_cents, kind=kind, memo=memo, created_at=now)
        for p in postings if p.amount_cents
    ))


def commission_for(total_cents: int, rate_basis_points: int) -> int:
    """Commission in cents, rounded half up; no float touches it."""
    return (total_cents * rate_basis_points + 5_000) // 10_000


async def record_payment(order: dict, seller_orders: list[dict]) -> None:
    postings = [Posting(PSP, order["total_cents"]), Posting(SERVICE_FEE, -order["service_fee_cents"])]
    postings += [Posting(SELLER, -so["total_cents"], so["seller"]) for so in seller_orders]
    await post(f"pay:{order['reference']}", order["id"], "payment", postings, "buyer paid the order")


async def record_commission(seller_order: dict, rate_basis_points: int) -> int:
    amount = commission_for(seller_order["total_cents"], rate_basis_points)
    await post(f"com:{seller_order['id']}", seller_order["order"], "commission", [
        Posting(SELLER, amount, seller_order["seller"]), Posting(COMMISSION, -amount),
    ], f"commission {percent(rate_basis_points)} on a confirmed transaction")
    return amount


async def record_refund(seller_order: dict, fee_refund_cents: int) -> None:
    await post(f"ref:{seller_order['id']}", seller_order["order"], "refund", [
        Posting(SELLER, seller_order["total_cents"], seller_order["seller"]),
        Posting(SERVICE_FEE, fee_refund_cents),
        Posting(PSP, -(seller_order["total_cents"] + fee_refund_cents)),
    ], "refunded to the buyer")


@dataclass
class OrderMoney:
    paid_cents: int
    owed_to_sellers_cents: int
    service_fee_cents: int
    commission_cents: int
    refunded_cents: int
    unbalanced_transactions: list[str]

    @property
    def accounted_for(self) -> bool:
        """Every cent paid is owed to a seller, is the platform's, or has been refunded."""
        return (not self.unbalanced_transactions and self.paid_cents == self.owed_to_sellers_cents
                + self.service_fee_cents + self.commission_cents + self.refunded_cents)


async def order_money(order_id: int) -> OrderMoney:
    entries = await LedgerEntry.select().where(LedgerEntry.order == order_id)
    by_transaction: dict[str, int] = defaultdict(int)
    for entry in entries:
        by_transaction[entry["transaction"]] += entry["amount_cents"]

    def total(account: str, kind: str | None = None) -> int:
        return sum(e["amount_cents"] for e in entries
                   if e["account"] == account and (kind is None or e["kind"] == kind))

    return OrderMoney(
        paid_cents=total(PSP, "payment"),
        owed_to_sellers_cents=-total(SELLER),
        service_fee_cents=-total(SERVICE_FEE),
        commission_cents=-total(COMMISSION),
        refunded_cents=-total(PSP, "refund"),
        unbalanced_transactions=[t for t, amount in by_transaction.items() if amount != 0],
    )
