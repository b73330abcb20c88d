"""The buyer cancels a paid part of an order before it ships: stock back, refunded through the provider, the
commission handed back, and the seller's statement still equal to its ledger.

The shop is one seller alone offering one product at €129.00, free shipping, 4 in stock; the service fee of a
€129.00 order is 2 %: €2.58, so the buyer pays €131.58. The commission is 10 %: €12.90.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from litestar.testing import AsyncTestClient

from storefront.cart import service as carts
from storefront.mail.tables import OutboxEmail
from storefront.orders import statements, transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import SellerOrder
from storefront.orders.transitions import TransitionError
from storefront.payments import ledger, refunds
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.payments.tables import LedgerEntry, ProviderRefund, Refund
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.commerce import make_account, sign_in
from tests.integration.test_my_orders import csrf_of
from tests.integration.test_referencing import ExclusiveSeller


async def paid_order(shop: ExclusiveSeller, buyer_id: int, settings: Settings) -> dict:
    """One unit of the shop's offer, ordered and paid through the sandbox's signed notification."""
    offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
    cart = await carts.create_cart(buyer_id)
    await carts.add(cart, offer["id"], 1)
    placed = await place_order(cart_id=cart, account_id=buyer_id, payment_means="card",
                               address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                               idempotency_key=uuid.uuid4().hex, settings=settings)
    provider = SandboxProvider(settings.payment_webhook_secret)
    body, signature = provider.notification(event_id=f"evt_{uuid.uuid4().hex}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency="EUR")
    assert await handle_notification(body, signature, provider=provider, settings=settings) == "paid"
    part = await SellerOrder.select().where(SellerOrder.order == placed.order_id).first()
    return {**part, "reference": placed.reference, "offer": offer["id"]}


async def stock_of(offer_id: int) -> int:
    return (await Offer.select(Offer.stock).where(Offer.id == offer_id).first())["stock"]


async def balance(account: str, seller_id: int | None = None) -> int:
    query = LedgerEntry.select(LedgerEntry.amount_cents).where(LedgerEntry.account == account)
    if seller_id is not None:
        query = query.where(LedgerEntry.seller == seller_id)
    return sum(row["amount_cents"] for row in await query)


async def cancel_through_the_page(client: AsyncTestClient, order: dict):
    page = await client.get(f"/account/orders/{order['reference']}")
    assert "Cancel this part" in page.text
    return await client.post(f"/account/orders/{order['reference']}/parts/{order['id']}/cancel",
                             data={"_csrf": csrf_of(page.text)}, follow_redirects=False)


async def test_a_buyer_cancels_before_the_seller_accepts_and_gets_everything_back(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    await sign_in(client, buyer["id"])
    order = await paid_order(shop, buyer["id"], settings)
    assert await stock_of(order["offer"]) == 3

    response = await cancel_through_the_page(client, order)

    assert response.status_code == 303
    assert response.headers["location"] == (f"/account/orders/{order['reference']}?cancelled={order['id']}"
                                            f"#seller-order-{order['id']}")
    assert await stock_of(order["offer"]) == 4
    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["amount_cents"], refund["fee_cents"], refund["commission_reversed_cents"]) == (12_900, 258, 0)
    page = (await client.get(response.headers["location"])).text
    assert "You cancelled this part of the order" in page
    assert "Refunded to you</dt><dd>−€131.58" in page
    assert "Paid after refunds</dt><dd>€0.00" in page
    assert "Cancel this part" not in page
    mails = await OutboxEmail.select(OutboxEmail.to_address, OutboxEmail.kind).where(
        OutboxEmail.kind.is_in(["cancelled_by_buyer", "seller_order_cancelled"]))
    assert {(m["to_address"], m["kind"]) for m in mails} >= {(shop.email, "seller_order_cancelled")}
    assert await balance(ledger.PSP) >= 0


async def test_the_refund_reaches_the_provider_once(client: AsyncTestClient, shop: ExclusiveSeller,
                                                    settings: Settings) -> None:
    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)
    await transitions.cancel_by_buyer(order["id"], account_id=buyer["id"], settings=settings)
    provider = SandboxProvider(settings.payment_webhook_secret)

    sent = await asyncio.gather(refunds.send_pending(provider), refunds.send_pending(provider))

    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert refund["status"] == "sent" and refund["provider_refund_id"].startswith("sre_")
    assert sum(sent) >= 1
    at_provider = await ProviderRefund.select(ProviderRefund.amount_cents).where(
        ProviderRefund.idempotency_key == f"encore-refund-{refund['id']}")
    assert [row["amount_cents"] for row in at_provider] == [13_158]


async def test_cancelling_after_acceptance_hands_the_commission_back(shop: ExclusiveSeller,
                                                                      settings: Settings) -> None:
    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)
    await transitions.accept(order["id"], seller_id=shop.seller_id, settings=settings)
    commission_before = await balance(ledger.COMMISSION)

    refunded = await transitions.cancel_by_buyer(order["id"], account_id=buyer["id"], settings=settings)

    assert refunded == 13_158
    assert await balance(ledger.COMMISSION) - commission_before == 1_290
    assert await balance(ledger.SELLER, shop.seller_id) == 0
    today = dt.datetime.now(dt.UTC)
    statement = await statements.monthly_statement(shop.seller_id, today.year, today.month, settings)
    assert [(line.kind, line.amount_cents) for line in statement.lines] == [
        ("payment", 12_900), ("commission", -1_290), ("refund", -12_900), ("commission_reversal", 1_290)]
    assert statement.closing_balance_cents == 0


async def test_a_shipped_part_cannot_be_cancelled(client: AsyncTestClient, shop: ExclusiveSeller,
                                                  settings: Settings) -> None:
    buyer = await make_account()
    await sign_in(client, buyer["id"])
    order = await paid_order(shop, buyer["id"], settings)
    page = await client.get(f"/account/orders/{order['reference']}")
    await transitions.accept(order["id"], seller_id=shop.seller_id, settings=settings)
    await transitions.ship(order["id"], seller_id=shop.seller_id, carrier="Colissimo", tracking_number="6A1",
                           settings=settings)

    # The buyer's page was loaded before the parcel left.
    response = await client.post(f"/account/orders/{order['reference']}/parts/{order['id']}/cancel",
                                 data={"_csrf": csrf_of(page.text)}, follow_redirects=False)

    assert response.status_code == 409
    assert "already shipped it: you can withdraw once it is delivered" in response.text
    assert await Refund.count().where(Refund.seller_order == order["id"]) == 0
    assert await stock_of(order["offer"]) == 3


async def test_two_cancellations_at_once_refund_once(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)

    outcomes = await asyncio.gather(
        *(transitions.cancel_by_buyer(order["id"], account_id=buyer["id"], settings=settings) for _ in range(2)),
        return_exceptions=True)

    assert sorted(type(o).__name__ for o in outcomes) == ["TransitionError", "int"]
    assert await Refund.count().where(Refund.seller_order == order["id"]) == 1
    assert await stock_of(order["offer"]) == 4


async def test_another_buyers_part_is_not_found(client: AsyncTestClient, shop: ExclusiveSeller,
                                                settings: Settings) -> None:
    owner, intruder = await make_account(), await make_account()
    order = await paid_order(shop, owner["id"], settings)
    await sign_in(client, intruder["id"])
    page = await client.get("/account/orders")

    response = await client.post(f"/account/orders/{order['reference']}/parts/{order['id']}/cancel",
                                 data={"_csrf": csrf_of(page.text)}, follow_redirects=False)

    assert response.status_code == 404
    assert await Refund.count().where(Refund.seller_order == order["id"]) == 0
    try:
        await transitions.cancel_by_buyer(order["id"], account_id=intruder["id"], settings=settings)
    except TransitionError:
        raise AssertionError("another buyer's part must look missing, not merely refused") from None
    except Exception as missing:
        assert type(missing).__name__ == "NotFound"


def test_a_commission_is_handed_back_in_proportion_and_never_more() -> None:
    assert ledger.commission_share(1_290, 12_900, 6_450) == 645
    assert ledger.commission_share(1_290, 12_900, 1) == 0
    assert ledger.commission_share(1_290, 12_900, 12_900) == 1_290
    assert ledger.commission_share(1_290, 12_900, 20_000) == 1_290


async def test_the_seller_sees_the_cancelled_order_and_its_refund(client: AsyncTestClient, shop: ExclusiveSeller,
                                                                  settings: Settings) -> None:
    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)
    await transitions.accept(order["id"], seller_id=shop.seller_id, settings=settings)
    await transitions.cancel_by_buyer(order["id"], account_id=buyer["id"], settings=settings)
    await sign_in(client, shop.account_id)

    listing = await client.get("/seller/orders?status=cancelled")
    page = await client.get(f"/seller/orders/{order['id']}")

    assert order["reference"] in listing.text
    assert page.status_code == 200
    assert "The buyer cancelled this order before it was shipped: do not ship it." in page.text
    assert "−€129.00" in page.text and "Commission handed back</dt><dd>€12.90" in page.text
    assert "For you</dt><dd>€0.00" in page.text


async def test_an_unpaid_order_that_ended_stays_out_of_the_sellers_sight(client: AsyncTestClient,
                                                                         shop: ExclusiveSeller,
                                                                         settings: Settings) -> None:
    buyer = await make_account()
    offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
    cart = await carts.create_cart(buyer["id"])
    await carts.add(cart, offer["id"], 1)
    placed = await place_order(cart_id=cart, account_id=buyer["id"], payment_means="card",
                               address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                               idempotency_key=uuid.uuid4().hex, settings=settings)
    assert await transitions.cancel_unpaid(placed.order_id, account_id=buyer["id"])
    part = await SellerOrder.select(SellerOrder.id).where(SellerOrder.order == placed.order_id).first()
    await sign_in(client, shop.account_id)

    assert (await client.get(f"/seller/orders/{part['id']}")).status_code == 404
    assert placed.reference not in (await client.get("/seller/orders?status=cancelled")).text


async def test_a_refund_the_provider_refuses_is_held_up_for_the_operator_who_sends_it_again(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    from storefront.moderation.tables import AuditEntry
    from storefront.payments.tables import Payment

    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)
    await transitions.cancel_by_buyer(order["id"], account_id=buyer["id"], settings=settings)
    # The provider holds less of the payment than the refund asks for (refunded elsewhere): it refuses.
    await Payment.update({Payment.amount_cents: 100}).where(Payment.order == order["order"])
    provider = SandboxProvider(settings.payment_webhook_secret)
    await refunds.send_pending(provider)
    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["status"], refund["last_error"]) == ("failed", "100 cents are left to refund")
    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])

    console = await client.get("/ops/payouts")
    assert order["reference"] in console.text and "€131.58" in console.text
    await Payment.update({Payment.amount_cents: 13_158}).where(Payment.order == order["order"])  # sorted out
    response = await client.post(f"/ops/refunds/{refund['id']}/retry", data={"_csrf": csrf_of(console.text)},
                                 follow_redirects=False)

    assert response.status_code == 303
    # The request woke the sending job; whether it has run yet or not, one more run leaves it sent, once.
    await refunds.send_pending(provider)
    assert (await Refund.select(Refund.status).where(Refund.id == refund["id"]).first())["status"] == "sent"
    # Under a new key: the refused one made no refund, and a provider replays a refusal for the key it was given.
    at_provider = await ProviderRefund.select(ProviderRefund.idempotency_key, ProviderRefund.amount_cents).where(
        ProviderRefund.idempotency_key.like(f"encore-refund-{refund['id']}%"))
    assert at_provider == [{"idempotency_key": f"encore-refund-{refund['id']}-1", "amount_cents": 13_158}]
    assert await AuditEntry.count().where((AuditEntry.subject_type == "refund")
                                          & (AuditEntry.subject_id == refund["id"])) == 1
    again = await client.post(f"/ops/refunds/{refund['id']}/retry", data={"_csrf": csrf_of(console.text)},
                              follow_redirects=False)
    assert again.status_code == 404


async def test_a_refusal_booked_before_refunds_reached_the_provider_is_sent_after_the_migration(
        shop: ExclusiveSeller, settings: Settings, monkeypatch) -> None:
    from storefront.payments.piccolo_migrations import payments_2026_11_30t19_09_37_000000 as migration

    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)
    # What refusing wrote before refunds had rows: the ledger alone, and no word to the provider.
    await SellerOrder.update({SellerOrder.status: "refused"}).where(SellerOrder.id == order["id"])
    await ledger.post(f"ref:{order['id']}", order["order"], "refund", [
        ledger.Posting(ledger.SELLER, 12_900, shop.seller_id), ledger.Posting(ledger.SERVICE_FEE, 258),
        ledger.Posting(ledger.PSP, -13_158)])
    monkeypatch.setattr(migration, "engine_finder", lambda: Refund._meta.db)

    for step in (await migration.forwards()).raw:
        await step()
    await refunds.send_pending(SandboxProvider(settings.payment_webhook_secret))

    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["reason"], refund["amount_cents"], refund["fee_cents"], refund["status"]) == (
        "refusal", 12_900, 258, "sent")
    assert (await ledger.refunded_to_buyers([order["order"]])) == {order["order"]: 13_158}
    held = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.order == order["order"]) & LedgerEntry.account.is_in([ledger.PSP, ledger.REFUNDS_DUE]))
    assert sum(row["amount_cents"] for row in held) == 0


async def test_the_seller_api_lists_the_refund_and_the_commission_handed_back(client: AsyncTestClient,
                                                                              shop: ExclusiveSeller,
                                                                              settings: Settings) -> None:
    from tests.integration.test_seller_api import bearer, token_for

    buyer = await make_account()
    order = await paid_order(shop, buyer["id"], settings)
    await transitions.accept(order["id"], seller_id=shop.seller_id, settings=settings)
    await transitions.cancel_by_buyer(order["id"], account_id=buyer["id"], settings=settings)

    response = await client.get(f"/api/seller/v1/orders/{order['id']}",
                                headers=bearer(await token_for(shop.seller_id)))

    body = response.json()
    assert response.status_code == 200
    assert (body["state"], body["commission_cents"]) == ("cancelled", 1_290)
    assert [(r["reason"], r["amount_cents"], r["commission_returned_cents"]) for r in body["refunds"]] == [
        ("cancellation", 12_900, 1_290)]
