"""What the ledger holds for one order, summed by account: how tests check that every cent is accounted for."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from storefront.payments.ledger import COMMISSION, PSP, REFUNDS_DUE, SELLER, SERVICE_FEE
from storefront.payments.tables import LedgerEntry


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
        # Decided refunds: owed to the buyer until the provider pays them (refunds_due), or, booked before that
        # account existed, taken straight from the clearing account.
        refunded_cents=-(total(PSP, "refund") + total(REFUNDS_DUE, "refund")),
        unbalanced_transactions=[t for t, amount in by_transaction.items() if amount != 0],
    )
