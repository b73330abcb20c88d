"""The ledger accounts for every cent, whatever happens to the parts of an order."""
from __future__ import annotations

import secrets

import pytest

from search_index.drain import OutboxDrainer
from storefront.cart import service as carts
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry
from tests.integration.commerce import make_account, offer_in_stock
from tests.integration.ledger_reading import order_money


async def paid_two_seller_order(settings, backend) -> tuple[int, list[dict], OutboxDrainer]:
    drainer = OutboxDrainer(backend, settings.ranking)
    buyer = await make_account()
    first = await offer_in_stock()
    second = await offer_in_stock(exclude_sellers=(first["seller"],))
    cart_id = await carts.create_cart(buyer["id"])
    await carts.add(cart_id, first["id"], 1)
    await carts.add(cart_id, second["id"], 2)
    placed = await place_order(cart_id=cart_id, account_id=buyer["id"], payment_means="card", settings=settings,
                               address=DeliveryAddress("Sam Ledger", "5 quai Rambaud", "69002", "Lyon"),
                               idempotency_key=secrets.token_hex(8))
    await drainer.drain()
    await transitions.payment_succeeded(placed.order_id, settings)
    seller_orders = await SellerOrder.select().where(SellerOrder.order == placed.order_id).order_by(SellerOrder.id)
    return placed.order_id, seller_orders, drainer


@pytest.mark.parametrize("fates", [("accept", "accept"), ("accept", "refuse"), ("refuse", "refuse")])
async def test_every_cent_paid_is_owed_the_platforms_or_refunded(settings, backend, fates: tuple) -> None:
    order_id, seller_orders, drainer = await paid_two_seller_order(settings, backend)
    for fate, seller_order in zip(fates, seller_orders, strict=True):
        if fate == "accept":
            await transitions.accept(seller_order["id"], seller_id=seller_order["seller"], settings=settings)
        else:
            await transitions.refuse(seller_order["id"], seller_id=seller_order["seller"], settings=settings)
            await drainer.drain()
    money = await order_money(order_id)
    assert money.accounted_for, money
    entries = await LedgerEntry.select().where(LedgerEntry.order == order_id)
    assert sum(e["amount_cents"] for e in entries) == 0
    if fates == ("refuse", "refuse"):
        # Nothing fulfilled: the buyer gets everything back, the service fee included.
        assert money.refunded_cents == money.paid_cents and money.service_fee_cents == 0
    else:
        assert money.service_fee_cents > 0


async def test_commission_is_rounded_half_up_in_integer_cents() -> None:
    assert ledger.commission_for(12_345, 1_000) == 1_235
    assert ledger.commission_for(12_344, 1_000) == 1_234
    assert ledger.commission_for(5, 1_000) == 1
    assert isinstance(ledger.commission_for(99_999, 1_000), int)


async def test_an_unbalanced_transaction_is_refused() -> None:
    with pytest.raises(ValueError, match="does not balance"):
        await ledger.post("bad:1", 1, "payment",
                          [ledger.Posting(ledger.PSP, 100), ledger.Posting(ledger.SERVICE_FEE, -99)])
