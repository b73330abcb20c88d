"""Anonymous carts nobody came back to are purged with their sessions; carts of accounts stay."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import replace

from storefront.accounts import sessions
from storefront.accounts.tables import WebSession
from storefront.cart import service as carts
from storefront.cart.abandoned import purge_abandoned_carts
from storefront.cart.tables import Cart, CartLine
from storefront.settings import Settings
from tests.conftest import ROOT, store_environment
from tests.integration.commerce import make_account, offer_in_stock

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


async def cart_last_used(at: dt.datetime, account_id: int | None = None) -> tuple[str, str]:
    """A cart with one line, held by a session, last changed at `at`; returns (cart id, session token)."""
    cart_id = await carts.create_cart(account_id)
    await carts.add(cart_id, (await offer_in_stock())["id"])
    await Cart.update({Cart.updated_at: at}).where(Cart.id == cart_id)
    token, _ = await sessions.create(account_id=account_id, cart_id=cart_id)
    await WebSession.update({WebSession.created_at: at}).where(WebSession.cart_id == cart_id)
    return cart_id, token


async def test_an_anonymous_cart_untouched_for_seven_days_goes_with_its_session(settings: Settings) -> None:
    abandoned, abandoned_token = await cart_last_used(dt.datetime(2026, 3, 13, 11, 59, tzinfo=dt.UTC))
    recent, recent_token = await cart_last_used(dt.datetime(2026, 3, 13, 12, 1, tzinfo=dt.UTC))

    assert await purge_abandoned_carts(settings, now=NOW) == 1

    assert not await Cart.exists().where(Cart.id == abandoned)
    assert not await CartLine.exists().where(CartLine.cart == abandoned)
    assert await sessions.load(abandoned_token) is None
    assert await Cart.exists().where(Cart.id == recent)
    assert (await sessions.load(recent_token)).cart_id == recent


async def test_a_signed_in_shoppers_cart_is_kept_however_old(settings: Settings) -> None:
    account = await make_account()
    kept, token = await cart_last_used(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), account["id"])
    assert await purge_abandoned_carts(settings, now=NOW) == 0
    assert await carts.item_count(kept) == 1
    assert (await sessions.load(token)).account_id == account["id"]


async def test_the_number_of_days_is_a_setting(settings: Settings) -> None:
    cart_id, _ = await cart_last_used(dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC))
    assert await purge_abandoned_carts(replace(settings, cart_abandoned_days=3), now=NOW) == 0
    assert await purge_abandoned_carts(replace(settings, cart_abandoned_days=1), now=NOW) == 1
    assert not await Cart.exists().where(Cart.id == cart_id)


async def test_changing_a_line_counts_as_coming_back(settings: Settings) -> None:
    cart_id, _ = await cart_last_used(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    (line,) = await CartLine.select(CartLine.id).where(CartLine.cart == cart_id)
    await carts.set_quantity(cart_id, line["id"], 2)
    assert await purge_abandoned_carts(settings, now=dt.datetime.now(dt.UTC)) == 0


async def test_the_manage_command_purges_abandoned_carts(settings: Settings) -> None:
    cart_id, _ = await cart_last_used(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    result = subprocess.run([sys.executable, "-m", "storefront.manage", "purge-abandoned-carts"], cwd=ROOT,
                            env=store_environment(settings), capture_output=True, text=True, check=True)
    assert "deleted 1 abandoned carts" in result.stdout
    assert not await Cart.exists().where(Cart.id == cart_id)
