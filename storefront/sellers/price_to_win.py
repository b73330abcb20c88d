"""What the seller portal says of each offer: featured in its grade or not, and if not, its price to win.

A read model (plain data, no HTTP). It loads the rows the product page loads (offers with their seller, the
variant and its product model), keeps the offers the one availability rule lets a shopper buy, turns them into
signals with `strategy.offer_signals`, and asks the ranking module (`storefront.ranking.price_to_win`), which
asks the very function the product page features offers with. So "at €X this offer would be featured" is
what the page would do, all else equal, tie-breaking included.

Offers are read in batches by variant: a page of 25 offers costs three queries, a few thousand the same
three per 500 variants.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from storefront.catalog.grades import GRADE_BY_KEY
from storefront.catalog.tables import ProductModel, Variant
from storefront.ranking import (
    OfferScore,
    OfferSignals,
    RankingWeights,
    explain,
    featured_offer,
    price_to_win,
    rank_offers,
)
from storefront.sellers.availability import Unavailable, availability
from storefront.sellers.listings import PRICE_MIN_CENTS
from storefront.sellers.states import OfferStatus
from storefront.sellers.tables import Offer
from storefront.settings import get_settings
from storefront.strategy import offer_signals

# Why an offer of the seller's competes with no one, in the seller's words.
NOT_ON_SALE = {
    Unavailable.PRODUCT_DEREFERENCED: "Not on sale: Encore no longer offers this product.",
    Unavailable.SELLER_DEREFERENCED: "Not on sale: your account is dereferenced.",
    Unavailable.SELLER_NOT_REFERENCED: "Not on sale until Encore references your account.",
    Unavailable.OFFER_REMOVED: "Not on sale: Encore removed this offer after a notice.",
    Unavailable.OFFER_PAUSED: "Not on sale: you paused this offer.",
    Unavailable.OUT_OF_STOCK: "Not on sale: out of stock.",
}
_BATCH = 500


@dataclass(frozen=True)
class FeaturedStatus:
    """One offer's place in its grade on the product page, at the prices of now."""

    featured: bool
    grade: str
    price_cents: int  # the offer's own price now
    price_to_win_cents: int | None  # None when featured already, not on sale, or no price from €1.00 wins
    featured_price_cents: int | None  # the grade's featured offer (this one when featured); None if none
    featured_total_cents: int | None  # its price plus delivery
    # This offer's score, part by part, beside the featured offer's; a featured offer's beside the next best
    # offer's (what it leads by); empty when it has no rival or is not on sale.
    explanation: list[dict[str, Any]] = field(default_factory=list)
    compared_with: str = "Featured offer"  # how the explanation names the other offer
    on_sale: bool = True
    not_on_sale_reason: str = ""  # what the seller reads when `on_sale` is false

    @property
    def grade_label(self) -> str:
        return GRADE_BY_KEY[self.grade].label if self.grade in GRADE_BY_KEY else self.grade

    @property
    def featured_shipping_cents(self) -> int | None:
        if self.featured_price_cents is None or self.featured_total_cents is None:
            return None
        return self.featured_total_cents - self.featured_price_cents

    @property
    def reduction_to_win_cents(self) -> int | None:
        """How much lower the price must go to be featured."""
        if self.price_to_win_cents is None:
            return None
        return self.price_cents - self.price_to_win_cents

    @property
    def lowest_allowed_cents(self) -> int:
        """The lowest price an offer may take: what "even at €1.00 it would not win" names."""
        return PRICE_MIN_CENTS

    @property
    def cannot_win(self) -> bool:
        """On sale, not featured, and not even the lowest price allowed would change that."""
        return self.on_sale and not self.featured and self.price_to_win_cents is None


async def featured_status(seller_id: int, offer_ids: Sequence[int],
                          weights: RankingWeights | None = None) -> dict[int, FeaturedStatus]:
    """Offer id → its `FeaturedStatus`, for the seller's own offers among `offer_ids` (others' offers, deleted
    and unknown ids are left out)."""
    ranking = weights or get_settings().ranking
    own = await _own_offers(seller_id, offer_ids)
    if not own:
        return {}
    variant_ids = sorted({row["variant"] for row in own})
    competitors = await _offers_by_variant(variant_ids)
    found: dict[int, FeaturedStatus] = {}
    for row in own:
        found[row["id"]] = _status(row["id"], competitors[row["variant"]], ranking)
    return found


async def _own_offers(seller_id: int, offer_ids: Sequence[int]) -> list[dict[str, Any]]:
    ids = sorted(set(offer_ids))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), _BATCH):
        rows += await Offer.select(Offer.id, Offer.variant).where(
            Offer.id.is_in(ids[start:start + _BATCH]) & (Offer.seller == seller_id)
            & (Offer.status != OfferStatus.deleted))
    return rows


@dataclass(frozen=True)
class _Competitor:
    signals: OfferSignals
    buyable: bool
    reason: Unavailable | None


async def _offers_by_variant(variant_ids: Sequence[int]) -> dict[int, list[_Competitor]]:
    """Every offer of the variants, as the product page reads them (each with its seller, variant and model)."""
    found: dict[int, list[_Competitor]] = defaultdict(list)
    for start in range(0, len(variant_ids), _BATCH):
        chunk = list(variant_ids[start:start + _BATCH])
        variants = {v["id"]: v for v in await Variant.select(
            Variant.id, Variant.model, Variant.reference_price_cents).where(Variant.id.is_in(chunk))}
        models = {m["id"]: m for m in await ProductModel.select(
            ProductModel.id, ProductModel.rating_x100, ProductModel.rating_count, ProductModel.is_dereferenced,
        ).where(ProductModel.id.is_in(sorted({v["model"] for v in variants.values()}) or [0]))}
        offers = await Offer.select(*Offer.all_columns(exclude=[Offer.seller]), *Offer.seller.all_columns()).where(
            Offer.variant.is_in(chunk) & (Offer.status != OfferStatus.deleted)).output(nested=True)
        for offer in offers:
            variant = variants[offer["variant"]]
            model = models[variant["model"]]
            seen = availability(offer, offer["seller"], model)
            found[offer["variant"]].append(_Competitor(offer_signals(offer, offer["seller"], variant, model),
                                                       seen.buyable, seen.reason))
    return found


def _status(offer_id: int, competitors: list[_Competitor], weights: RankingWeights) -> FeaturedStatus:
    mine = next(c for c in competitors if c.signals.offer_id == offer_id)
    target = mine.signals
    on_sale = [c.signals for c in competitors if c.buyable and c.signals.grade == target.grade]
    # The very call the product page features an offer with (storefront.strategy.product_offers).
    best = featured_offer(on_sale, grade=target.grade, weights=weights)
    featured_price = best.offer.price_cents if best else None
    featured_total = best.offer.total_cents if best else None
    if not mine.buyable:
        assert mine.reason is not None
        return FeaturedStatus(featured=False, grade=target.grade, price_cents=target.price_cents,
                              price_to_win_cents=None, featured_price_cents=featured_price,
                              featured_total_cents=featured_total, on_sale=False,
                              not_on_sale_reason=NOT_ON_SALE[mine.reason])
    # The grade's offers on sale, ranked as the page ranks them: the first is `best`.
    ranked = rank_offers(on_sale, weights=weights)
    featured = best is not None and best.offer.offer_id == offer_id
    if featured:
        explanation = _side_by_side(ranked[0], ranked[1]) if len(ranked) > 1 else []
        return FeaturedStatus(featured=True, grade=target.grade, price_cents=target.price_cents,
                              price_to_win_cents=None, featured_price_cents=featured_price,
                              featured_total_cents=featured_total, explanation=explanation,
                              compared_with="Next best offer")
    own_score = next(s for s in ranked if s.offer.offer_id == offer_id)
    return FeaturedStatus(featured=False, grade=target.grade, price_cents=target.price_cents,
                          price_to_win_cents=price_to_win(target, on_sale, weights, floor_cents=PRICE_MIN_CENTS),
                          featured_price_cents=featured_price, featured_total_cents=featured_total,
                          explanation=_side_by_side(own_score, ranked[0]))


def _side_by_side(own: OfferScore, featured: OfferScore) -> list[dict[str, Any]]:
    """Each ranking parameter: its weight, this offer's value and points, the featured offer's, and the gap."""
    rows = []
    for mine, theirs in zip(explain(own), explain(featured), strict=True):
        rows.append({
            "key": mine["key"], "label": mine["label"], "weight": mine["weight"],
            "value": mine["value"], "contribution": mine["contribution"],
            "featured_value": theirs["value"], "featured_contribution": theirs["contribution"],
            "difference": mine["contribution"] - theirs["contribution"],
        })
    rows.append({
        "key": "total", "label": "Score", "weight": sum(r["weight"] for r in rows), "value": None,
        "contribution": own.total, "featured_value": None, "featured_contribution": featured.total,
        "difference": own.total - featured.total,
    })
    return rows


async def featured_offer_ids(seller_id: int, offer_ids: Sequence[int],
                             weights: RankingWeights | None = None) -> set[int]:
    """The seller's offers among `offer_ids` that are featured in their grade now: what the portal's "featured
    or not" filter asks of thousands of offers at once, without the price to win each `featured_status` finds."""
    ranking = weights or get_settings().ranking
    own = await _own_offers(seller_id, offer_ids)
    competitors = await _offers_by_variant(sorted({row["variant"] for row in own}))
    featured: set[int] = set()
    for row in own:
        offers = competitors[row["variant"]]
        grade = next(c.signals.grade for c in offers if c.signals.offer_id == row["id"])
        best = featured_offer([c.signals for c in offers if c.buyable and c.signals.grade == grade], grade=grade,
                              weights=ranking)
        if best is not None and best.offer.offer_id == row["id"]:
            featured.add(row["id"])
    return featured
