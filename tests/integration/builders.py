"""Builders that write rows for a test's arrangement only, where the store has no service that makes the
change (a seller's price edit has no screen yet). What a service does exists, the test calls the service."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from search_index.backends import SearchBackend
from search_index.drain import OutboxDrainer
from storefront.accounts.tables import Account
from storefront.catalog.outbox import mark_for_reindex
from storefront.payments import ledger
from storefront.sellers.tables import Offer
from storefront.settings import Settings


async def reindex(variant_ids: Iterable[int], settings: Settings, backend: SearchBackend) -> None:
    """Search told of what a builder wrote: the one place tests enqueue and drain the outbox."""
    await mark_for_reindex(variant_ids)
    await OutboxDrainer(backend, settings.ranking).drain()


async def change_offer(offer_id: int, settings: Settings, backend: SearchBackend, **values: Any) -> None:
    offer = await Offer.select(Offer.variant).where(Offer.id == offer_id).first()
    columns = {getattr(Offer, name): value for name, value in values.items()}
    await Offer.update({**columns, Offer.updated_at: dt.datetime.now(dt.UTC)}).where(Offer.id == offer_id)
    await reindex([offer["variant"]], settings, backend)


async def demo_operator_id() -> int:
    operator = await Account.select(Account.id).where(Account.role == "operator").order_by(Account.id).first()
    return operator["id"]


async def credit_balance(seller_id: int, cents: int) -> None:
    """`cents` on the seller's payable balance at once, standing for its sales delivered long enough ago (a
    balanced transaction of no order, from money held at the provider), so it can pay for trade-ins. Tests about
    the balance itself sell and deliver through the services (tests/integration/test_payouts.py)."""
    await ledger.post(f"credit:{uuid.uuid4().hex[:12]}", None, "adjustment",
                      [ledger.Posting(ledger.PSP, cents), ledger.Posting(ledger.SELLER, -cents, seller_id)])
