"""The demo store's past: buyers, their orders, deliveries, claims and reviews, made by the store's own services.

Every order goes cart → `place_order` → the payment provider's signed notification → the seller accepts,
ships, delivers, as a real one does, each step dated in the past through the services' `now` parameters. So
the ledger holds its payment and commission, the seller figures are computed from its deliveries and claims
(`storefront.sellers.figures`), and the ratings from its published reviews (`reviews.service.refresh_ratings`):
whatever the pages show, rows back it. A seller profile (`generate.SellerProfile`) only sets the chances.

Deterministic (random.Random(7)) apart from the dates, which are relative to the moment of seeding.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from storefront.accounts.passwords import hash_password
from storefront.accounts.tables import Account
from storefront.cart import service as carts
from storefront.db import write_transaction
from storefront.demo.generate import DemoCatalogue, SellerProfile
from storefront.demo.reviews import CITIES, FIRST_NAMES, LAST_NAMES, comment_for, sub_ratings_for
from storefront.orders import claims, transitions
from storefront.orders.placement import CheckoutBlocked, DeliveryAddress, place_order
from storefront.orders.states import ClaimResolution
from storefront.orders.tables import Order, OrderLine, SellerOrder
from storefront.payments import refunds
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.returns import service as returns
from storefront.returns.service import RefundInput
from storefront.returns.states import ReturnKind
from storefront.reviews import service as reviews
from storefront.sellers.figures import MIN_DELIVERED_ORDERS
from storefront.settings import Settings

BUYER_PASSWORD = "encore-demo-buyer"
HISTORY_DAYS = 150
# Enough delivered orders for every established seller's rates to be computed (figures.MIN_DELIVERED_ORDERS);
# new sellers get a handful, too few for rates: their pages say so.
ORDERS_PER_SELLER = MIN_DELIVERED_ORDERS + 3
ORDERS_PER_NEW_SELLER = 4
FEATURED_MODEL = "iPhone 13"
ORDERS_ON_FEATURED = 36  # enough reviews on the iPhone 13 for several pages of them
REVIEW_CHANCE = 0.7
# Every sixth product has not sold yet: its pages show no rating, as a product without reviews does.
UNSOLD_EVERY = 6
HISTORY_SELLERS = 25  # a benchmark-scale catalogue does not need hundreds of sellers with a past

# Stars by seller tier (excellent, good, average, cheap but poor, new): weights for 1..5.
STAR_WEIGHTS = {0: (0, 0, 1, 4, 14), 1: (0, 1, 1, 6, 10), 2: (1, 1, 3, 7, 7), 3: (3, 3, 4, 5, 4), 4: (1, 1, 2, 6, 8)}
CLAIM_MESSAGES = {
    "defective": "The battery drains within a few hours and the phone restarts on its own.",
    "wrong_item": "The colour is not the one I ordered and the charging cable is missing.",
    "cosmetic": "There is a deep scratch across the screen: the grade promised no visible marks.",
}


@dataclass(frozen=True)
class DemoHistory:
    orders: int
    delivered: int
    claims: int
    reviews: int


def _unsold_models(catalogue: DemoCatalogue) -> set[int]:
    return {model["id"] for index, model in enumerate(catalogue.models) if index % UNSOLD_EVERY == UNSOLD_EVERY - 1
            and model["name"] != FEATURED_MODEL}


def _plan(catalogue: DemoCatalogue, rng: random.Random) -> list[dict[str, Any]]:
    """Which seller sells which offer: (seller id, offer) pairs, the featured model's among them."""
    unsold = _unsold_models(catalogue)
    model_of = {variant["id"]: variant["model"] for variant in catalogue.variants}
    featured = {m["id"] for m in catalogue.models if m["name"] == FEATURED_MODEL}
    listed = {s["id"] for s in catalogue.sellers[:HISTORY_SELLERS] if s["status"] == "referenced"}
    # Offers with stock to spare, so the history does not sell the catalogue out.
    sellable = [o for o in catalogue.offers
                if o["seller"] in listed and o["stock"] >= 3 and model_of[o["variant"]] not in unsold]
    by_seller: dict[int, list[dict[str, Any]]] = {}
    for offer in sellable:
        by_seller.setdefault(offer["seller"], []).append(offer)
    planned: list[dict[str, Any]] = []
    for seller_id in sorted(by_seller):
        offers = by_seller[seller_id]
        count = ORDERS_PER_NEW_SELLER if catalogue.profiles[seller_id].tier == 4 else ORDERS_PER_SELLER
        planned += [{"seller": seller_id, "offer": rng.choice(offers)} for _ in range(count)]
    on_featured = [o for o in sellable if model_of[o["variant"]] in featured]
    planned += [{"seller": o["seller"], "offer": o} for o in rng.choices(on_featured, k=ORDERS_ON_FEATURED)]
    return planned


def _at_work_hours(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randint(0, 540))


async def load_demo_history(catalogue: DemoCatalogue, settings: Settings) -> DemoHistory:
    """The demo's past up to last Monday, then a few orders since, so this month's statements have some."""
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # The history ends at the start of this week (UTC): its orders fall on the same weekdays whatever the day
    # of seeding, so promised dates (working days), late deliveries and every figure they give stay the same.
    until = dt.datetime.combine(now.date() - dt.timedelta(days=now.weekday()), dt.time(), tzinfo=dt.UTC)
    provider = SandboxProvider(settings.payment_webhook_secret)

    shared_hash = hash_password(BUYER_PASSWORD)
    buyers = [Account(email=f"buyer{n:02d}@encore.example", name=f"{first} {rng.choice(LAST_NAMES)}",
                      password_hash=shared_hash, role="shopper", created_at=until - dt.timedelta(days=400))
              for n, first in enumerate(FIRST_NAMES, 1)]
    await Account.insert(*buyers)
    carts_of: dict[int, str] = {}
    for buyer in buyers:
        carts_of[buyer.id] = await carts.create_cart(buyer.id)

    planned = _plan(catalogue, rng)
    for entry in planned:
        entry["paid"] = until - dt.timedelta(days=rng.uniform(0.5, HISTORY_DAYS))
    planned.sort(key=lambda entry: entry["paid"])  # oldest first, as they happened
    counts = {"orders": 0, "delivered": 0, "claims": 0, "reviews": 0}
    for n, entry in enumerate(planned, 1):
        buyer_index = rng.randrange(len(buyers))
        entry["buyer"], entry["address"] = buyers[buyer_index], CITIES[buyer_index % len(CITIES)]
        entry["cart"] = carts_of[entry["buyer"].id]
        await _order(f"demo-order-{n}", entry, provider, catalogue.profiles[entry["seller"]], settings, until,
                     rng, counts)

    # Since Monday (and within this month): one order per established seller, accepted, waiting to be
    # shipped. Their own generator leaves the history above the same whatever the day.
    recent_rng = random.Random(8)
    since = max(until, now.replace(day=1, hour=0, minute=0, second=0))
    first_of: dict[int, dict[str, Any]] = {}
    for entry in planned:
        if catalogue.profiles[entry["seller"]].tier != 4:
            first_of.setdefault(entry["seller"], entry)
    for entry in first_of.values():
        entry = {**entry, "recent": True, "paid": since + (now - since) * recent_rng.uniform(0.1, 0.5)}
        await _order(f"demo-recent-order-{entry['seller']}", entry, provider, catalogue.profiles[entry["seller"]],
                     settings, now, recent_rng, counts)
    await _cancelled_by_buyers(list(first_of.values())[:3], provider, catalogue, settings, since, now, recent_rng,
                               counts)
    return DemoHistory(**counts)


async def _cancelled_by_buyers(entries: list[dict[str, Any]], provider: SandboxProvider, catalogue: DemoCatalogue,
                               settings: Settings, since: dt.datetime, now: dt.datetime, rng: random.Random,
                               counts: dict[str, int]) -> None:
    """A few orders of this week their buyers cancelled before shipping (one before the seller confirmed, the
    others after), refunded through the sandbox like any refund: what My orders, the seller's order page and
    its statement show of a cancellation comes from these."""
    for n, entry in enumerate(entries):
        # Since Monday and within this month, like the other recent orders, whatever the day of seeding.
        paid = since + (now - since) * (0.2 + 0.2 * n)
        entry = {**entry, "recent": n > 0, "paid": paid}
        key = f"demo-cancelled-order-{entry['seller']}"
        # The first is cancelled before its seller could confirm it (a seller takes 20 minutes at least).
        until = paid + (min(dt.timedelta(minutes=10), (now - paid) / 2) if n == 0 else (now - paid) / 2)
        await _order(key, entry, provider, catalogue.profiles[entry["seller"]], settings, until, rng, counts)
        order = await Order.select(Order.id).where(Order.idempotency_key == key).first()
        part = order and await SellerOrder.select(SellerOrder.id, SellerOrder.status).where(
            SellerOrder.order == order["id"]).first()
        if part and part["status"] in transitions.CANCELLABLE:
            await transitions.cancel_by_buyer(part["id"], account_id=entry["buyer"].id, settings=settings,
                                              now=paid + (now - paid) * 3 / 4)
    # Every refund the history booked (refusals, cancellations, claims, withdrawals) reaches the sandbox.
    while await refunds.send_pending(provider):
        pass


async def _order(key: str, entry: dict[str, Any], provider: SandboxProvider, profile: SellerProfile,
                 settings: Settings, until: dt.datetime, rng: random.Random, counts: dict[str, int]) -> None:
    """One buyer's order of one offer, from the cart to the review, as far as `until` allows. In one
    transaction, which the services' own nest in: a thousand commits fewer keep `prepare` quick."""
    try:
        async with write_transaction(Order._meta.db):
            await _order_steps(key, entry, provider, profile, settings, until, rng, counts)
    except (carts.CartError, CheckoutBlocked):
        pass  # sold out by an earlier demo order: rolled back, as a real shopper would find it


async def _order_steps(key: str, entry: dict[str, Any], provider: SandboxProvider, profile: SellerProfile,
                       settings: Settings, until: dt.datetime, rng: random.Random, counts: dict[str, int]) -> None:
    buyer, cart_id = entry["buyer"], entry["cart"]
    postcode, city = entry["address"]
    await carts.add(cart_id, entry["offer"]["id"])
    placed = await place_order(
        cart_id=cart_id, account_id=buyer.id, payment_means="card", idempotency_key=key,
        address=DeliveryAddress(buyer.name, f"{rng.randint(1, 120)} rue de la République", postcode, city),
        settings=settings, now=entry["paid"] - dt.timedelta(minutes=rng.randint(2, 9)))
    body, signature = provider.notification(event_id=f"evt_{key}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency=settings.currency)
    await handle_notification(body, signature, provider=provider, settings=settings, now=entry["paid"])
    counts["orders"] += 1
    seller_order = await SellerOrder.select(SellerOrder.id, SellerOrder.promised_delivery_date).where(
        SellerOrder.order == placed.order_id).first()
    assert seller_order is not None, "place_order makes one seller order per seller"
    if entry.get("recent"):
        # Confirmed by the seller, not shipped yet: nothing the figures count, a commission on this month's statement.
        accepted = entry["paid"] + (until - entry["paid"]) / 2
        await transitions.accept(seller_order["id"], seller_id=entry["seller"], settings=settings, now=accepted)
        return
    delivered = await _fulfil(seller_order, entry, profile, settings, until, rng)
    if delivered is None:
        return
    counts["delivered"] += 1
    claimed = await _maybe_claim(seller_order["id"], buyer.id, delivered, profile, settings, until, rng)
    counts["claims"] += claimed
    if not claimed:
        await _maybe_withdraw(seller_order["id"], buyer.id, delivered, settings, until, random.Random(placed.order_id))
    written = delivered + dt.timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 600))
    if written < until and rng.random() < REVIEW_CHANCE:
        stars = rng.choices(range(1, 6), weights=STAR_WEIGHTS[profile.tier])[0]
        if claimed:
            stars = min(stars, rng.choice([1, 2, 2, 3]))
        data = reviews.ReviewInput(rating=stars, comment=comment_for(rng, stars),
                                   sub_ratings=sub_ratings_for(rng, stars))
        line = await OrderLine.select(OrderLine.id).where(OrderLine.seller_order == seller_order["id"]).first()
        assert line is not None
        await reviews.create({"id": buyer.id, "seller": None}, line["id"], data, now=written)
        counts["reviews"] += 1


async def _fulfil(seller_order: dict[str, Any], entry: dict[str, Any], profile: SellerProfile, settings: Settings,
                  now: dt.datetime, rng: random.Random) -> dt.datetime | None:
    """Accept, ship and deliver as far as the present allows; returns when it was delivered, if it was."""
    seller_id, paid = entry["seller"], entry["paid"]
    accepted = paid + dt.timedelta(minutes=rng.randint(20, 240))
    if accepted >= now:
        return None
    await transitions.accept(seller_order["id"], seller_id=seller_id, settings=settings, now=accepted)
    shipped = accepted + dt.timedelta(minutes=rng.randint(60, 1_200))
    if shipped >= now:
        return None
    await transitions.ship(seller_order["id"], seller_id=seller_id, carrier=rng.choice(["Colissimo", "Chronopost",
                                                                                          "DPD", "UPS"]),
                           tracking_number=f"6A{seller_order['id']:011d}", settings=settings, now=shipped)
    promised: dt.date = seller_order["promised_delivery_date"]
    earliest = shipped.date() + dt.timedelta(days=1)
    if rng.random() < profile.late_bp / 10_000:
        day = max(earliest, promised + dt.timedelta(days=rng.randint(1, 4)))
    else:
        day = max(min(earliest, promised), promised - dt.timedelta(days=rng.randint(0, 1)))
    delivered = max(_at_work_hours(day, rng), shipped + dt.timedelta(hours=3))
    if delivered >= now:
        return None
    await transitions.deliver(seller_order["id"], seller_id=seller_id, settings=settings, today=delivered.date(),
                              now=delivered)
    return delivered


async def _maybe_claim(seller_order_id: int, account_id: int, delivered: dt.datetime, profile: SellerProfile,
                       settings: Settings, now: dt.datetime, rng: random.Random) -> int:
    """At most one claim per order, with the seller's chances of each problem."""
    draw = rng.random() * 10_000
    for reason, chance in (("defective", profile.defect_bp), ("wrong_item", profile.wrong_bp),
                           ("cosmetic", profile.cosmetic_bp)):
        if draw < chance:
            opened = delivered + dt.timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
            if opened >= now:
                return 0
            claim_id = await transitions.open_claim(seller_order_id, account_id=account_id, reason=reason,
                                                    message=CLAIM_MESSAGES[reason], settings=settings, now=opened)
            # Its own generator: answering a claim leaves the rest of the history's draws as they were.
            await _resolve_claim(claim_id, seller_order_id, account_id, reason, opened, settings, now,
                                 random.Random(claim_id))
            return 1
        draw -= chance
    return 0


# How sellers answer the demo's claims, by what went wrong: a partial refund for a cosmetic flaw, a repair or
# a full refund for a defect, a replacement for a wrong item.
CLAIM_ANSWERS = {
    "cosmetic": (ClaimResolution.partial_refund, "We are sorry about the scratch: we refund part of the "
                                                        "price, and you keep the phone."),
    "defective": (ClaimResolution.full_refund, "We could not match the battery we promised: we refund "
                                                      "it in full."),
    "wrong_item": (ClaimResolution.replacement, "We send the right colour and the cable at once."),
}


async def _resolve_claim(claim_id: int, seller_order_id: int, account_id: int, reason: str, opened: dt.datetime,
                         settings: Settings, until: dt.datetime, rng: random.Random) -> None:
    """The seller answers within two days with a proposal, and the buyer accepts it within two more, as far as
    the present allows: the latest claims are still open or waiting for the buyer, as in a live store. A
    refund is booked through the refunds service, so the ledger and the statements hold it."""
    proposed = opened + dt.timedelta(hours=rng.randint(4, 48))
    if proposed >= until:
        return
    resolution, message = CLAIM_ANSWERS[reason]
    seller_order = await SellerOrder.select(SellerOrder.seller, SellerOrder.total_cents).where(
        SellerOrder.id == seller_order_id).first()
    assert seller_order is not None
    part = seller_order["total_cents"] * 15 // 100  # 15 % of what the buyer paid for this part, in cents
    amount = f"{part // 100}.{part % 100:02d}" if resolution == ClaimResolution.partial_refund else ""
    await claims.propose(claim_id, claims.ProposalInput(resolution, amount, message),
                         seller_id=seller_order["seller"], settings=settings, now=proposed)
    answered = proposed + dt.timedelta(hours=rng.randint(2, 48))
    if answered >= until:
        return
    await claims.accept(claim_id, account_id=account_id, settings=settings, now=answered)
    sent = answered + dt.timedelta(hours=rng.randint(6, 30))
    if resolution == ClaimResolution.replacement and sent < until:
        await claims.mark_sent(claim_id, seller_id=seller_order["seller"], carrier="Colissimo",
                               tracking_number=f"6R{claim_id:011d}", settings=settings, now=sent)


WITHDRAWAL_CHANCE = 0.15  # of the parts delivered in the last weeks of the history


async def _maybe_withdraw(seller_order_id: int, account_id: int, delivered: dt.datetime, settings: Settings,
                          until: dt.datetime, rng: random.Random) -> None:
    """Some buyers of the last weeks withdraw: the request, the seller's label, the parcel back, the refund,
    each a few days apart and only as far as the present allows, so the demo has returns at every step."""
    if until - delivered > dt.timedelta(days=24) or rng.random() >= WITHDRAWAL_CHANCE:
        return
    requested = delivered + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
    if requested >= until:
        return
    return_id = await returns.request(seller_order_id, account_id=account_id, kind=ReturnKind.withdrawal,
                                      reason=rng.choice(["", "", "I found it cheaper elsewhere.",
                                                         "It is smaller than I thought."]),
                                      settings=settings, now=requested)
    seller_order = await SellerOrder.select(SellerOrder.seller).where(SellerOrder.id == seller_order_id).first()
    assert seller_order is not None
    seller_id = seller_order["seller"]
    labelled = requested + dt.timedelta(hours=rng.randint(3, 40))
    if labelled >= until:
        return
    await returns.issue_label(return_id, seller_id=seller_id, settings=settings, now=labelled)
    received = labelled + dt.timedelta(days=rng.randint(2, 4))
    if received >= until:
        return
    await returns.mark_received(return_id, seller_id=seller_id, settings=settings, now=received)
    refunded = received + dt.timedelta(hours=rng.randint(4, 48))
    if refunded >= until:
        return
    await returns.refund(return_id, seller_id=seller_id, decision=RefundInput("", ""), settings=settings,
                         now=refunded)
