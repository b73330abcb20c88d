"""Builders for commerce tests: accounts with sessions, carts, and HTTP form posts with their CSRF token."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from litestar.testing import AsyncTestClient

from storefront.accounts import sessions
from storefront.accounts.passwords import hash_password
from storefront.accounts.tables import Account
from storefront.sellers.tables import Offer

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"
# argon2id is slow on purpose; tests make many accounts, so they share one hash.
PASSWORD_HASH = hash_password(PASSWORD)


async def make_account(role: str = "shopper", seller_id: int | None = None, name: str = "Camille Martin") -> dict:
    account = Account(email=f"{role}-{uuid.uuid4().hex[:8]}@example.com", name=name,
                      password_hash=PASSWORD_HASH, role=role, seller=seller_id,
                      created_at=dt.datetime.now(dt.UTC))
    await account.save()
    return {"id": account.id, "email": account.email, "name": name}


async def sign_in(client: AsyncTestClient, account_id: int, cart_id: str | None = None) -> str:
    token, _ = await sessions.create(account_id=account_id, cart_id=cart_id)
    client.cookies.set("encore_session", token)
    return token


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def post_form(client: AsyncTestClient, page: str, action: str, data: dict | None = None, **kwargs):
    """GET the page a person would use, then POST its form with the token it carries."""
    html = (await client.get(page)).text
    return await client.post(action, data={"_csrf": csrf_from(html), **(data or {})}, **kwargs)


async def offer_in_stock(min_stock: int = 2, means: str = "card", exclude_sellers: tuple[int, ...] = ()) -> dict:
    query = Offer.select().where((Offer.stock >= min_stock) & (Offer.status == "active"))
    for seller in exclude_sellers:
        query = query.where(Offer.seller != seller)
    for offer in await query.order_by(Offer.id):
        if means in offer["payment_means"].split(","):
            return offer
    raise AssertionError("no offer in stock")


async def put_back_stock(taken: list[tuple[int, int]], settings, backend) -> None:
    """Tests that buy one item of (offer, variant) pairs return them, so later tests find the same stock."""
    from search_index.drain import OutboxDrainer
    from storefront.catalog.outbox import mark_for_reindex

    for offer_id, _ in taken:
        await Offer.update({Offer.stock: Offer.stock + 1}).where(Offer.id == offer_id)
    await mark_for_reindex(variant for _, variant in taken)
    await OutboxDrainer(backend, settings.ranking).drain()
    taken.clear()
