"""50 shoppers check out the last 5 units at the same moment: exactly 5 paid orders, stock 0, never below.

Runs on SQLite (WAL, IMMEDIATE write transactions, busy timeout) and on PostgreSQL.
"""
from __future__ import annotations

import asyncio
import secrets

import pytest

from search_index.drain import OutboxDrainer
from storefront.cart import service as carts
from storefront.cart.tables import CartLine
from storefront.orders.placement import CheckoutBlocked, DeliveryAddress, PlacedOrder, place_order
from storefront.orders.tables import Order
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.sellers.tables import Offer
from tests.integration.commerce import make_account, offer_in_stock

SHOPPERS, STOCK = 50, 5


async def checkout_rush(settings, backend) -> tuple[list[PlacedOrder], list[BaseException], int]:
    offer = await offer_in_stock(min_stock=1)
    await Offer.update({Offer.stock: STOCK}).where(Offer.id == offer["id"])
    drainer = OutboxDrainer(backend, settings.ranking)
    shoppers = [await make_account(name=f"Shopper {n}") for n in range(SHOPPERS)]
    cart_ids = []
    for shopper in shoppers:
        cart_id = await carts.create_cart(shopper["id"])
        await carts.add(cart_id, offer["id"], 1)
        cart_ids.append(cart_id)
    address = DeliveryAddress(name="Rush", line1="1 rue de la Paix", postcode="75002", city="Paris")
    outcomes = await asyncio.gather(*(
        place_order(cart_id=cart_id, account_id=shopper["id"], address=address, payment_means="card",
                    idempotency_key=secrets.token_hex(16), settings=settings)
        for shopper, cart_id in zip(shoppers, cart_ids, strict=True)
    ), return_exceptions=True)
    await drainer.drain()
    placed = [o for o in outcomes if isinstance(o, PlacedOrder)]
    failures = [o for o in outcomes if not isinstance(o, PlacedOrder)]
    provider = SandboxProvider(settings.payment_webhook_secret)
    await asyncio.gather(*(
        handle_notification(*provider.notification(event_id=f"evt_{p.payment_reference}", succeeded=True,
                                                   payment_reference=p.payment_reference,
                                                   amount_cents=p.total_cents, currency="EUR"),
                            provider=provider, settings=settings)
        for p in placed
    ))
    await drainer.drain()
    stock = (await Offer.select(Offer.stock).where(Offer.id == offer["id"]).first())["stock"]
    return placed, failures, stock


def assert_exactly_the_stock_was_sold(placed: list, failures: list, stock: int) -> None:
    assert len(placed) == STOCK
    assert all(isinstance(f, CheckoutBlocked) for f in failures), [repr(f) for f in failures if
                                                                   not isinstance(f, CheckoutBlocked)][:3]
    assert stock == 0


async def test_fifty_checkouts_for_five_units_on_sqlite(settings, backend) -> None:
    placed, failures, stock = await checkout_rush(settings, backend)
    assert_exactly_the_stock_was_sold(placed, failures, stock)
    paid = await Order.count().where(Order.id.is_in([p.order_id for p in placed]) & (Order.status == "paid"))
    assert paid == STOCK


@pytest.mark.postgres
async def test_fifty_checkouts_for_five_units_on_postgres(postgres_store) -> None:
    placed, failures, stock = await checkout_rush(postgres_store.settings, postgres_store.backend)
    assert_exactly_the_stock_was_sold(placed, failures, stock)
    paid = await Order.count().where(Order.id.is_in([p.order_id for p in placed]) & (Order.status == "paid"))
    assert paid == STOCK


# 12 shoppers' tabs add 3 of one offer to the same cart at once: the line never loses an add, never passes the
# cart's cap of 10 a line, and stays one line.
ADDS, EACH = 12, 3


async def add_rush() -> tuple[list[int], list[BaseException]]:
    offer = await offer_in_stock(min_stock=1)
    await Offer.update({Offer.stock: 50}).where(Offer.id == offer["id"])
    cart_id = await carts.create_cart()
    outcomes = await asyncio.gather(*(carts.add(cart_id, offer["id"], EACH) for _ in range(ADDS)),
                                    return_exceptions=True)
    lines = await CartLine.select(CartLine.quantity).where(CartLine.cart == cart_id)
    return [line["quantity"] for line in lines], [o for o in outcomes if o is not None]


def assert_three_adds_fit_and_nine_are_refused(quantities: list[int], refusals: list[BaseException]) -> None:
    assert quantities == [9]
    assert len(refusals) == 9
    assert all(isinstance(r, carts.CartError) for r in refusals), [repr(r) for r in refusals][:3]


async def test_twelve_adds_to_one_line_at_once_on_sqlite(settings) -> None:
    assert_three_adds_fit_and_nine_are_refused(*await add_rush())


@pytest.mark.postgres
async def test_twelve_adds_to_one_line_at_once_on_postgres(postgres_store) -> None:
    assert_three_adds_fit_and_nine_are_refused(*await add_rush())
