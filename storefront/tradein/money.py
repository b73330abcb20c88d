"""Trade-in money, through the ledger (storefront.payments.ledger).

When a refurbisher pays for a device (the quote, or a counter-offer the person accepted), one balanced
transaction `tip:<reference>` takes the price and the platform's trade-in commission from the refurbisher's
balance (`seller_payable`, which its sales feed), owes the price to the person (`tradein_payable`) and books the
commission as the platform's (`platform_tradein_commission`). The person is paid by SEPA credit transfer in the
next payout run (`tradein_payable` → `payouts_in_transit`). It belongs to no order, so it counts against the
refurbisher's payable balance at once.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from storefront.payments import ledger
from storefront.payments.ledger import Posting
from storefront.sellers.tables import Seller

TRADEIN_PAYABLE = "tradein_payable"
TRADEIN_COMMISSION = "platform_tradein_commission"


def commission_for(price_cents: int, rate_basis_points: int) -> int:
    """The platform's commission on a trade-in price, rounded half up, in integers."""
    return (price_cents * rate_basis_points + 5_000) // 10_000


def payment_postings(seller_id: int, price_cents: int, commission_cents: int) -> list[Posting]:
    return [Posting(ledger.SELLER, price_cents + commission_cents, seller_id),
            Posting(TRADEIN_PAYABLE, -price_cents),
            Posting(TRADEIN_COMMISSION, -commission_cents)]


def transfer_postings(price_cents: int) -> list[Posting]:
    """The payout run sent the person's money: it leaves what is owed to people for the banks."""
    return [Posting(TRADEIN_PAYABLE, price_cents), Posting(ledger.PAYOUTS, -price_cents)]


async def book_payment(trade_in: dict[str, Any], price_cents: int, rate_basis_points: int,
                       at: dt.datetime | None = None) -> int:
    """Books the refurbisher's payment for the device, inside the caller's write transaction (the move to
    `paid`); returns the commission."""
    commission = commission_for(price_cents, rate_basis_points)
    # The refurbisher's row is held until commit (PostgreSQL), as a payout run holds every seller's: a payment
    # never lands between the run's reading of balances and of the transfers owed to people.
    await Seller.update({Seller.name: Seller.name}).where(Seller.id == trade_in["seller"])
    await ledger.post(f"tip:{trade_in['reference']}", None, "tradein_payment",
                      payment_postings(trade_in["seller"], price_cents, commission),
                      f"trade-in {trade_in['reference']} bought", at=at)
    return commission
