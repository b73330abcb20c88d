"""Price history: the prior price a reduction is measured against.

Price Indication Directive Art. 6a: a reduction announced as "−X %" compares the price with the lowest price
the same seller asked for the same offer during the 30 days before the reduction. Never with the new-device
price: a saving against new is said in words ("€X cheaper than new"), by `saving_against_new`.

Every price an offer has had is a row of `OfferPrice` (written by storefront.sellers.listings in the same
transaction as the change); a row holds from its `starts_at` until the next row's.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from storefront.sellers.tables import OfferPrice

PRIOR_PRICE_DAYS = 30


async def lowest_prices_before(offer_ids: Iterable[int], at: dt.datetime,
                               days: int = PRIOR_PRICE_DAYS) -> dict[int, int]:
    """Offer id → the lowest price it had at any moment of the `days` days before `at` (the price in force
    when the window opened counts, as do the prices set during it). An offer with no price before `at` is
    absent: it has no prior price, so no reduction can be announced."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    opens = at - dt.timedelta(days=days)
    lowest: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        rows = await OfferPrice.select(OfferPrice.offer, OfferPrice.price_cents, OfferPrice.starts_at).where(
            OfferPrice.offer.is_in(ids[start:start + 500]) & (OfferPrice.starts_at < at)
        ).order_by(OfferPrice.offer).order_by(OfferPrice.starts_at).order_by(OfferPrice.id)
        lowest.update(lowest_in_window(((r["offer"], r["price_cents"], r["starts_at"]) for r in rows), opens))
    return lowest


def lowest_in_window(history: Iterable[tuple[int, int, dt.datetime]], opens: dt.datetime) -> dict[int, int]:
    """From (offer, price, starts_at) rows in time order, each offer's lowest price in force after `opens`:
    the last price set before the window opened, and every price set since. An offer that had no price yet
    when the window opened is absent: it was not on sale for the whole period, so the directive's 30 days
    give no prior price, and announcing one would let a price asked for a moment pass for a reference."""
    in_force_at_opening: dict[int, int] = {}
    lowest: dict[int, int] = {}
    for offer, price, starts_at in history:
        if starts_at <= opens:
            in_force_at_opening[offer] = price
        else:
            lowest[offer] = min(price, lowest.get(offer, price))
    return {offer: min(price, lowest.get(offer, price)) for offer, price in in_force_at_opening.items()}


async def prior_prices(offer_ids: Iterable[int], now: dt.datetime | None = None) -> dict[int, int]:
    """Offer id → its prior price: the lowest price it had during the 30 days before its current price took
    effect. Absent when the offer had no price in that window (its current price is its first)."""
    ids = sorted(set(offer_ids))
    at = now or dt.datetime.now(dt.UTC)
    history: dict[int, list[tuple[int, dt.datetime]]] = {}
    for start in range(0, len(ids), 500):
        rows = await OfferPrice.select(OfferPrice.offer, OfferPrice.price_cents, OfferPrice.starts_at).where(
            OfferPrice.offer.is_in(ids[start:start + 500]) & (OfferPrice.starts_at <= at)
        ).order_by(OfferPrice.offer).order_by(OfferPrice.starts_at).order_by(OfferPrice.id)
        for row in rows:
            history.setdefault(row["offer"], []).append((row["price_cents"], row["starts_at"]))
    found: dict[int, int] = {}
    for offer, prices in history.items():
        if (prior := prior_price(prices)) is not None:
            found[offer] = prior
    return found


def prior_price(prices: list[tuple[int, dt.datetime]], days: int = PRIOR_PRICE_DAYS) -> int | None:
    """For one offer's (price, starts_at) rows in time order, the last being the current price: the lowest
    price in force during the `days` days before the current price took effect."""
    if len(prices) < 2:
        return None
    took_effect = prices[-1][1]
    opens = took_effect - dt.timedelta(days=days)
    earlier = [(0, price, starts_at) for price, starts_at in prices[:-1]]
    return lowest_in_window(earlier, opens).get(0)


def prior_price_reduction(price_cents: int, prior_price_cents: int | None) -> int | None:
    """The reduction to announce as "−X %": whole percent, rounded down so it never overstates, against the
    prior price; None when the price is not below it (or there is none), or when it rounds to 0 %."""
    if prior_price_cents is None or prior_price_cents <= 0 or price_cents >= prior_price_cents:
        return None
    percent = (prior_price_cents - price_cents) * 100 // prior_price_cents
    return percent or None


@dataclass(frozen=True)
class Reduction:
    """A reduction as the store announces it: "−{percent} %", was {prior_price_cents}, the lowest price of the
    {days} days before it."""

    percent: int
    prior_price_cents: int
    days: int = PRIOR_PRICE_DAYS


def announced_reduction(price_cents: int, prior_price_cents: int | None) -> Reduction | None:
    """The reduction a page may announce for this price, or None (`prior_price_reduction` decides)."""
    percent = prior_price_reduction(price_cents, prior_price_cents)
    if percent is None or prior_price_cents is None:
        return None
    return Reduction(percent=percent, prior_price_cents=prior_price_cents)


def saving_against_new(price_cents: int, new_price_cents: int) -> int | None:
    """Cents cheaper than the same device new, to say in words; None when there is no saving to state."""
    if new_price_cents <= 0 or price_cents >= new_price_cents:
        return None
    return new_price_cents - price_cents
