"""Anonymous carts nobody came back to: deleted with their lines and their session after CART_ABANDONED_DAYS.

A first anonymous "add to cart" makes a session and a cart; most visitors never return, and both would
otherwise stay for the session's 30 days. A cart counts as used whenever its lines or checkout change.
Carts of accounts are kept: they follow their owner to every device.
"""
from __future__ import annotations

import datetime as dt

from storefront.accounts.tables import WebSession
from storefront.cart.tables import Cart, CartLine
from storefront.db import write_transaction
from storefront.settings import Settings

BATCH = 500


async def purge_abandoned_carts(settings: Settings, now: dt.datetime | None = None) -> int:
    """Delete anonymous carts untouched for `settings.cart_abandoned_days`, their lines and the anonymous
    sessions that held them (or held no cart and are as old); return how many carts went."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=settings.cart_abandoned_days)
    purged = 0
    while True:
        # In batches, each in one short write transaction: a shopper coming back meanwhile waits a moment, and
        # the carts read inside the transaction are the ones deleted, lines and session with them.
        async with write_transaction(Cart._meta.db):
            stale = [str(row["id"]) for row in await Cart.select(Cart.id).where(
                Cart.account.is_null() & (Cart.updated_at < cutoff)).limit(BATCH)]
            if not stale:
                break
            await WebSession.delete().where(WebSession.account.is_null() & WebSession.cart_id.is_in(stale))
            await CartLine.delete().where(CartLine.cart.is_in(stale))
            await Cart.delete().where(Cart.id.is_in(stale))
        purged += len(stale)
    await WebSession.delete().where(WebSession.account.is_null() & WebSession.cart_id.is_null()
                                    & (WebSession.created_at < cutoff))
    return purged
