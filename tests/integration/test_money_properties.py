"""Random sequences of what happens to orders and money, driven through the store's own services (hypothesis):
order and pay, accept, refuse, cancel, ship, deliver, withdraw and return (label, receipt, refund), claims
resolved by a partial or full refund, payout runs and monthly fees. After each sequence:

- every ledger transaction sums to zero;
- no payout is made from a balance at or below zero, and a paid seller's balance is never below zero after it;
- each seller's monthly statements equal its ledger (movements, closing balance, each kind of line) and its
  sales equal the seller orders its buyers paid;
- no seller order is refunded more than its total, and the provider's clearing account holds what was paid
  less what was refunded;
- stock is conserved: what is on sale plus what is sold and not given back is what was listed.

Each example makes its own sellers and buyer, so examples never read what another left; the checks over the
whole ledger hold for everything the store holds.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import uuid
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from storefront.cart import service as carts
from storefront.errors import Refused
from storefront.orders import claims, statements, transitions
from storefront.orders.placement import CheckoutBlocked, DeliveryAddress, place_order
from storefront.orders.tables import Claim, OrderLine, SellerOrder
from storefront.orders.transitions import TransitionError
from storefront.payments import ledger, refunds
from storefront.payments.monthly_fees import book_monthly_fees
from storefront.payments.payouts import run_payouts
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.payments.states import PayoutStatus
from storefront.payments.tables import LedgerEntry, Payout, Refund
from storefront.returns import service as returns
from storefront.returns.service import RefundInput
from storefront.returns.states import ReturnKind
from storefront.returns.tables import Return
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.commerce import make_account
from tests.integration.test_referencing import exclusive_seller

STOCK = 4
# Payout runs and fee months are unique by date: each run of this module takes dates no other took.
RUN_DAYS = itertools.count(8)
FEE_MONTHS = itertools.count(0)

# Which sellers' offers the cart holds (0, 1 or both: an order of two parts), and how many of each.
ORDER = st.tuples(st.just("order"), st.sampled_from([(0,), (1,), (0, 1)]), st.integers(1, 2))
MOVES = ("accept", "refuse", "cancel", "ship", "deliver", "fulfil")
MOVE = st.tuples(st.sampled_from(MOVES), st.integers(0, 7))
# After delivery: withdraw (or return) and the return's next step; a claim and its next step (a proposal of a
# partial refund of €10.00, or of a full refund, then the buyer's acceptance).
AFTER = st.tuples(st.sampled_from(["withdraw", "return", "return_step", "claim", "claim_step", "claim_step_full",
                                   "return_through", "claim_through"]), st.integers(0, 7))
MONEY = st.tuples(st.sampled_from(["payout", "fee"]))
STEPS = st.lists(st.one_of(ORDER, ORDER, MOVE, MOVE, MOVE, MOVE, AFTER, AFTER, AFTER, MONEY), min_size=4, max_size=18)


@dataclasses.dataclass
class World:
    settings: Settings
    sellers: list[Any]
    offers: list[int]
    buyer: dict
    orders: list[dict] = dataclasses.field(default_factory=list)  # seller order rows


async def _world(settings: Settings) -> World:
    sellers = [await exclusive_seller() for _ in range(2)]
    offers = [(await Offer.select(Offer.id).where(Offer.seller == s.seller_id).first())["id"] for s in sellers]
    return World(settings, sellers, offers, await make_account())


async def _order(world: World, seller_indexes: tuple[int, ...], quantity: int) -> None:
    cart = await carts.create_cart(world.buyer["id"])
    for seller_index in seller_indexes:
        with contextlib.suppress(carts.CartError):  # sold out: that part is left out
            await carts.add(cart, world.offers[seller_index], quantity)
    if not await carts.item_count(cart):
        return
    try:
        placed = await place_order(cart_id=cart, account_id=world.buyer["id"], payment_means="card",
                                   address=DeliveryAddress("Camille Martin", "3 rue des Lilas", "69003", "Lyon"),
                                   idempotency_key=uuid.uuid4().hex, settings=world.settings)
    except CheckoutBlocked:
        return  # the stock went meanwhile: nothing placed
    provider = SandboxProvider(world.settings.payment_webhook_secret)
    body, signature = provider.notification(event_id=f"evt_{uuid.uuid4().hex}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency="EUR")
    assert await handle_notification(body, signature, provider=provider, settings=world.settings) == "paid"
    world.orders.extend(await SellerOrder.select().where(SellerOrder.order == placed.order_id).order_by(
        SellerOrder.id))


async def _move(world: World, action: str, index: int) -> None:
    if not world.orders:
        return
    part = world.orders[index % len(world.orders)]
    seller_id, settings = part["seller"], world.settings
    try:
        if action == "accept":
            await transitions.accept(part["id"], seller_id=seller_id, settings=settings)
        elif action == "refuse":
            await transitions.refuse(part["id"], seller_id=seller_id, settings=settings)
        elif action == "cancel":
            await transitions.cancel_by_buyer(part["id"], account_id=world.buyer["id"], settings=settings)
        elif action == "ship":
            await transitions.ship(part["id"], seller_id=seller_id, carrier="Colissimo", tracking_number="6A1",
                                   settings=settings)
        elif action == "deliver":
            await transitions.deliver(part["id"], seller_id=seller_id, settings=settings)
        elif action == "fulfil":  # the seller's whole part at once: accept, ship, deliver, as far as allowed
            for step in ("accept", "ship", "deliver"):
                await _move(world, step, index)
    except (TransitionError, Refused):
        pass  # not allowed in the part's state: the sequence goes on, nothing may have moved


async def _after(world: World, action: str, index: int) -> None:
    """What the buyer and the seller do after delivery, through the returns and claims services."""
    if not world.orders:
        return
    if action in ("return_through", "claim_through"):  # every step, as far as the part's state allows
        steps = (["withdraw"] + ["return_step"] * 3 if action == "return_through"
                 else ["claim", "claim_step", "claim_step"])
        for step in steps:
            await _after(world, step, index)
        return
    part = world.orders[index % len(world.orders)]
    seller_id, buyer_id, settings = part["seller"], world.buyer["id"], world.settings
    try:
        if action in ("withdraw", "return"):
            # Within the withdrawal period a return is a withdrawal; after it, within the return window.
            await returns.request(part["id"], account_id=buyer_id, kind=ReturnKind.withdrawal, reason="",
                                  settings=settings)
        elif action == "return_step":
            ret = await Return.select(Return.id, Return.status).where(Return.seller_order == part["id"]).order_by(
                Return.id, ascending=False).first()
            if ret is None:
                return
            if ret["status"] == "requested":
                await returns.issue_label(ret["id"], seller_id=seller_id, settings=settings)
            elif ret["status"] == "label_issued":
                await returns.mark_received(ret["id"], seller_id=seller_id, settings=settings)
            elif ret["status"] == "received":
                await returns.refund(ret["id"], seller_id=seller_id, decision=RefundInput("", ""),
                                     settings=settings)
        elif action == "claim":
            await claims.open_claim(part["id"], account_id=buyer_id, reason="defective",
                                    message="The battery drains in an hour.", settings=settings)
        elif action in ("claim_step", "claim_step_full"):
            claim = await Claim.select(Claim.id, Claim.status).where(Claim.seller_order == part["id"]).order_by(
                Claim.id, ascending=False).first()
            if claim is None:
                return
            if claim["status"] == "open":
                proposal = (claims.ProposalInput("full_refund", "", "We refund it all.")
                            if action == "claim_step_full"
                            else claims.ProposalInput("partial_refund", "10.00", "€10.00 for the trouble."))
                await claims.propose(claim["id"], proposal, seller_id=seller_id, settings=settings)
            elif claim["status"] == "proposed":
                await claims.accept(claim["id"], account_id=buyer_id, settings=settings)
        else:
            raise AssertionError(f"no such step: {action}")
    except (TransitionError, Refused):
        pass  # not allowed in the part's state, or more than is left to refund: refused, nothing moved


async def _payout(world: World) -> None:
    run_on = dt.date.today() + dt.timedelta(days=next(RUN_DAYS))
    result = await run_payouts(world.settings, run_on)
    assert result is not None
    for paid in result.paid:
        assert paid.amount_cents > 0
        assert await _balance(paid.seller_id) >= 0, "a payout left its seller below zero"
    paid_rows = await Payout.select(Payout.amount_cents).where(
        (Payout.payout_run == result.run_id) & (Payout.status == PayoutStatus.paid))
    assert all(row["amount_cents"] > 0 for row in paid_rows)


async def _fee(world: World) -> None:
    index = next(FEE_MONTHS)
    await book_monthly_fees(world.settings, now=dt.datetime(2100 + index // 12, index % 12 + 1, 1, 1, tzinfo=dt.UTC))


async def _balance(seller_id: int) -> int:
    rows = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller_id))
    return -sum(row["amount_cents"] for row in rows)


async def _check_ledger() -> None:
    sums: dict[str, int] = defaultdict(int)
    for row in await LedgerEntry.select(LedgerEntry.transaction, LedgerEntry.amount_cents):
        sums[row["transaction"]] += row["amount_cents"]
    assert {t: s for t, s in sums.items() if s} == {}, "unbalanced ledger transactions"


async def _check_orders(world: World) -> None:
    ids = [o["id"] for o in world.orders]
    if not ids:
        return
    parts = {row["id"]: row for row in await SellerOrder.select().where(SellerOrder.id.is_in(ids))}
    refunded: dict[int, int] = defaultdict(int)
    for row in await Refund.select(Refund.seller_order, Refund.amount_cents).where(Refund.seller_order.is_in(ids)):
        refunded[row["seller_order"]] += row["amount_cents"]
    for part_id, part in parts.items():
        assert 0 <= refunded[part_id] <= part["total_cents"]
        if part["status"] in ("refused", "cancelled"):
            assert refunded[part_id] == part["total_cents"], "an ended part was not refunded in full"
    # Every refund reaches the provider; an order nothing is kept of then leaves nothing at the provider (the
    # service fee went back too) and nothing owed to its buyer.
    await refunds.send_pending(SandboxProvider(world.settings.payment_webhook_secret))
    for order_id in {p["order"] for p in parts.values()}:
        async def account_total(account: str, order: int = order_id) -> int:
            return sum(row["amount_cents"] for row in await LedgerEntry.select(LedgerEntry.amount_cents).where(
                (LedgerEntry.order == order) & (LedgerEntry.account == account)))
        held, due = await account_total(ledger.PSP), await account_total(ledger.REFUNDS_DUE)
        assert held >= 0 and due == 0, "more went back to the buyer than was paid, or a refund was not sent"
        if all(refunded[p_id] == p["total_cents"] for p_id, p in parts.items() if p["order"] == order_id):
            assert held == 0, "an order nothing was kept of left money at the provider (the service fee?)"
    # Stock: on sale + sold and kept = listed.
    for offer_id in world.offers:
        stock = (await Offer.select(Offer.stock).where(Offer.id == offer_id).first())["stock"]
        lines = await OrderLine.select(OrderLine.quantity, OrderLine.seller_order._.status.as_alias("status")).where(
            OrderLine.offer == offer_id)
        kept = sum(line["quantity"] for line in lines if line["status"] not in ("refused", "cancelled"))
        assert stock + kept == STOCK


async def _check_statements(world: World) -> None:
    for seller in world.sellers:
        entries = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.created_at).where(
            (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == seller.seller_id))
        months = sorted({(e["created_at"].year, e["created_at"].month) for e in entries})
        for year, month in months:
            start, end = statements.month_bounds(year, month)
            statement = await statements.monthly_statement(seller.seller_id, year, month, world.settings)
            inside = [e for e in entries if start <= e["created_at"] < end]
            assert statement.movements_cents == -sum(e["amount_cents"] for e in inside)
            assert statement.closing_balance_cents == -sum(e["amount_cents"] for e in entries if e["created_at"] < end)
            for kind in statements.KINDS:
                assert statement.total(kind) == -sum(e["amount_cents"] for e in inside if e["kind"] == kind)
            paid_parts = await SellerOrder.select(SellerOrder.total_cents).where(
                (SellerOrder.seller == seller.seller_id) & (SellerOrder.order.paid_at >= start)
                & (SellerOrder.order.paid_at < end))
            assert statement.sales_cents == sum(p["total_cents"] for p in paid_parts)


@hypothesis_settings(max_examples=20, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
# Paths random draws reach seldom, always walked: a withdrawal refunded after a partial claim refund on one part
# and a claim on the other; a cancellation beside a withdrawal; a refusal beside a withdrawal (nothing of the
# order kept: the service fee goes back); a full claim refund then a payout.
@example(steps=[("order", (0, 1), 1), ("fulfil", 0), ("claim_through", 0), ("return_through", 0),
                ("claim_through", 1), ("payout",), ("fee",)])
@example(steps=[("order", (0, 1), 2), ("accept", 0), ("cancel", 1), ("fulfil", 0), ("withdraw", 0),
                ("return_step", 0), ("return_step", 0), ("payout",), ("return_step", 0), ("payout",)])
@example(steps=[("order", (0, 1), 1), ("refuse", 1), ("fulfil", 0), ("return_through", 0), ("payout",)])
@example(steps=[("order", (1,), 1), ("fulfil", 0), ("claim", 0), ("claim_step_full", 0), ("claim_step", 0),
                ("return_through", 0), ("payout",)])
async def test_money_stays_balanced_whatever_happens_to_orders(steps: list[tuple], settings: Settings) -> None:
    world = await _world(settings)
    for step in steps:
        if step[0] == "order":
            await _order(world, step[1], step[2])
        elif step[0] == "payout":
            await _payout(world)
        elif step[0] == "fee":
            await _fee(world)
        elif step[0] in MOVES:
            await _move(world, step[0], step[1])
        else:
            await _after(world, step[0], step[1])
    await _check_ledger()
    await _check_orders(world)
    await _check_statements(world)
