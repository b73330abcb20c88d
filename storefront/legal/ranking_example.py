"""A worked ranking example taken from the live catalogue, for the "how offers are ranked" page.

It picks the product with the most buyable offers (ties: the lowest variant id, so the choice is stable)
and ranks them with the very functions the product page uses (`strategy.offer_signals`, `product_offers`),
so the example cannot disagree with what shoppers see.
"""
from __future__ import annotations

from dataclasses import dataclass

from piccolo.query import OrderByRaw
from piccolo.query.functions.aggregate import Count

from storefront.catalog import queries
from storefront.catalog.grades import GRADE_BY_KEY
from storefront.catalog.tables import Variant
from storefront.ranking import OfferScore, RankingWeights
from storefront.sellers.availability import availability, buyable_offer_clause
from storefront.sellers.tables import Offer
from storefront.strategy import offer_signals, product_offers, variant_title

# Beyond this many offers the table stops; the product page lists the rest.
MAX_OFFERS_SHOWN = 6


@dataclass(frozen=True)
class ExampleOffer:
    rank: int
    seller_name: str
    grade_label: str
    price_cents: int
    shipping_cents: int
    score: OfferScore

    @property
    def total_cents(self) -> int:
        return self.price_cents + self.shipping_cents


@dataclass(frozen=True)
class PartGap:
    """How far the first offer is ahead of (positive) or behind (negative) the second on one parameter."""

    label: str
    gap: float


@dataclass(frozen=True)
class WorkedExample:
    title: str
    slug: str
    offer_count: int
    cheapest_total_cents: int
    offers: tuple[ExampleOffer, ...]  # best first, at most MAX_OFFERS_SHOWN

    @property
    def featured(self) -> ExampleOffer:
        return self.offers[0]

    @property
    def runner_up(self) -> ExampleOffer:
        return self.offers[1]

    @property
    def gaps(self) -> tuple[PartGap, ...]:
        """The featured offer against the runner-up, part by part, largest lead first."""
        pairs = zip(self.featured.score.parts, self.runner_up.score.parts, strict=True)
        gaps = [PartGap(first.label, first.contribution - second.contribution) for first, second in pairs]
        return tuple(sorted(gaps, key=lambda g: -g.gap))

    @property
    def tied(self) -> bool:
        """Equal scores at the precision shown: the lower total price, then the older offer, wins."""
        return round(self.featured.score.total, 3) == round(self.runner_up.score.total, 3)


async def _busiest_variant() -> int | None:
    """The variant with the most buyable offers from referenced sellers, among products still offered."""
    row = await (Offer.select(Offer.variant, Count(Offer.id, alias="offer_count")).where(buyable_offer_clause())
                 .group_by(Offer.variant).order_by(OrderByRaw("offer_count"), ascending=False)
                 .order_by(Offer.variant).first())
    return row["variant"] if row and row["offer_count"] >= 2 else None


async def worked_example(weights: RankingWeights) -> WorkedExample | None:
    """None when no product has two offers to compare (an empty or new catalogue)."""
    variant_id = await _busiest_variant()
    if variant_id is None:
        return None
    slug_row = await Variant.select(Variant.slug).where(Variant.id == variant_id).first()
    variant = await queries.variant_in_context(slug_row["slug"]) if slug_row else None
    if variant is None:
        return None  # gone since the read above: the legal page shows no example rather than fail
    model, brand = variant["model"], variant["model"]["brand"]
    rows = [o for o in await queries.offers_with_sellers(variant_id) if availability(o, o["seller"], model).buyable]
    by_id = {o["id"]: o for o in rows}
    ranked = product_offers([offer_signals(o, o["seller"], variant, model) for o in rows], weights).ranked
    if len(ranked) < 2:
        return None
    offers = tuple(
        ExampleOffer(rank=position, seller_name=by_id[score.offer.offer_id]["seller"]["name"],
                     grade_label=GRADE_BY_KEY[score.offer.grade].label, price_cents=score.offer.price_cents,
                     shipping_cents=score.offer.shipping_cents, score=score)
        for position, score in enumerate(ranked[:MAX_OFFERS_SHOWN], start=1)
    )
    return WorkedExample(
        title=variant_title(brand["name"], model["name"], variant["storage_gb"], variant["color"]),
        slug=variant["slug"], offer_count=len(ranked),
        cheapest_total_cents=min(s.offer.total_cents for s in ranked), offers=offers,
    )
