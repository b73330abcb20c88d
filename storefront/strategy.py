"""The strategy: for a product, which offers a buyer may see and which one is featured.

The product page and the search document are both built here, from the same rows and the same
ranking, so the price on a search card is the price on the product page.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storefront.catalog.grades import GRADE_KEYS
from storefront.ranking import (
    OfferScore,
    OfferSignals,
    RankingWeights,
    featured_offer,
    rank_offers,
    rank_products,
)

# How many of a product's best offers travel in its search document, for the results page to re-rank.
CANDIDATES_PER_PRODUCT = 20


def _rate(bp: int | None) -> float | None:
    return None if bp is None else bp / 10_000


def _stars(x100: int | None) -> float | None:
    return None if x100 is None else x100 / 100


def offer_signals(offer: Mapping[str, Any], seller: Mapping[str, Any], variant: Mapping[str, Any],
                  model: Mapping[str, Any]) -> OfferSignals:
    """Turns stored rows into the only inputs ranking is allowed to see."""
    return OfferSignals(
        offer_id=offer["id"],
        product_id=variant["id"],
        seller_id=seller["id"],
        grade=offer["grade"],
        price_cents=offer["price_cents"],
        shipping_cents=offer["shipping_cents"],
        reference_price_cents=variant["reference_price_cents"],
        product_rating=_stars(model["rating_x100"]),
        product_rating_count=model["rating_count"],
        seller_rating=_stars(seller["rating_x100"]),
        seller_rating_count=seller["rating_count"],
        defect_rate=_rate(seller["defect_rate_bp"]),
        wrong_item_rate=_rate(seller["wrong_item_rate_bp"]),
        cosmetic_rate=_rate(seller["cosmetic_rate_bp"]),
        late_delivery_rate=_rate(seller["late_delivery_rate_bp"]),
        payment_means=frozenset(m for m in offer["payment_means"].split(",") if m),
    )


@dataclass(frozen=True)
class ProductOffers:
    """What the product page shows: the best offer per grade, then every other offer."""

    ranked: tuple[OfferScore, ...]  # every available offer, best first
    featured: OfferScore | None
    featured_by_grade: dict[str, OfferScore]

    @property
    def others(self) -> tuple[OfferScore, ...]:
        shown = {s.offer.offer_id for s in self.featured_by_grade.values()}
        return tuple(s for s in self.ranked if s.offer.offer_id not in shown)


def product_offers(signals: Sequence[OfferSignals], weights: RankingWeights) -> ProductOffers:
    ranked = tuple(rank_offers(signals, weights=weights))
    by_grade: dict[str, OfferScore] = {}
    for grade in GRADE_KEYS:
        # Within a grade the price part compares with that grade's cheapest offer, as a shopper would. The
        # same call answers a seller's "price to win" (storefront.ranking.price_to_win), so both agree.
        best = featured_offer(signals, grade=grade, weights=weights)
        if best is not None:
            by_grade[grade] = best
    return ProductOffers(ranked=ranked, featured=ranked[0] if ranked else None, featured_by_grade=by_grade)


def candidate_offer(score: OfferScore, prior_price_cents: int | None = None) -> dict[str, Any]:
    """The compact form of an offer that a search document carries (re-ranked on the results page), with its
    prior price (storefront.sellers.price_history) so a card can announce a reduction as the page does.
    Ranking never reads the prior price."""
    o = score.offer
    return {
        "prior_price_cents": prior_price_cents,
        "offer_id": o.offer_id, "seller_id": o.seller_id, "grade": o.grade, "price_cents": o.price_cents,
        "shipping_cents": o.shipping_cents, "reference_price_cents": o.reference_price_cents,
        "product_rating": o.product_rating, "product_rating_count": o.product_rating_count,
        "seller_rating": o.seller_rating, "seller_rating_count": o.seller_rating_count,
        "defect_rate": o.defect_rate, "wrong_item_rate": o.wrong_item_rate, "cosmetic_rate": o.cosmetic_rate,
        "late_delivery_rate": o.late_delivery_rate, "payment_means": sorted(o.payment_means),
    }


def signals_from_candidates(product_id: int, candidates: Iterable[Mapping[str, Any]]) -> list[OfferSignals]:
    return [
        OfferSignals(
            offer_id=c["offer_id"], product_id=product_id, seller_id=c["seller_id"], grade=c["grade"],
            price_cents=c["price_cents"], shipping_cents=c["shipping_cents"],
            reference_price_cents=c["reference_price_cents"], product_rating=c["product_rating"],
            product_rating_count=c["product_rating_count"], seller_rating=c["seller_rating"],
            seller_rating_count=c["seller_rating_count"], defect_rate=c["defect_rate"],
            wrong_item_rate=c["wrong_item_rate"], cosmetic_rate=c["cosmetic_rate"],
            late_delivery_rate=c["late_delivery_rate"], payment_means=frozenset(c["payment_means"]),
        )
        for c in candidates
    ]


def storage_label(gb: int | None) -> str:
    if gb is None:
        return ""
    return f"{gb // 1000} TB" if gb >= 1000 and gb % 1000 == 0 else f"{gb} GB"


def variant_title(brand: str, model: str, storage_gb: int | None, color: str) -> str:
    return " ".join(part for part in (brand, model, storage_label(storage_gb), color) if part)


def _candidates(offers: ProductOffers) -> list[OfferScore]:
    """The best offers overall, plus each grade's featured one so a grade filter can still show it."""
    chosen = list(offers.ranked[:CANDIDATES_PER_PRODUCT])
    ids = {s.offer.offer_id for s in chosen}
    chosen += [s for s in offers.featured_by_grade.values() if s.offer.offer_id not in ids]
    return chosen


def product_document(
    *,
    variant: Mapping[str, Any],
    model: Mapping[str, Any],
    brand: Mapping[str, Any],
    categories: Sequence[Mapping[str, Any]],  # leaf first, then its ancestors
    signals: Sequence[OfferSignals],  # the buyable offers only (storefront.sellers.availability decides)
    weights: RankingWeights,
    prior_prices: Mapping[int, int] | None = None,  # offer id → prior price (storefront.sellers.price_history)
) -> dict[str, Any] | None:
    """The search document of one variant, or None when nothing can be bought (it leaves search)."""
    if not signals:
        return None
    offers = product_offers(signals, weights)
    assert offers.featured is not None
    product_score = rank_products(signals, weights=weights)[0]
    spec_words = " ".join(str(v) for v in (variant.get("specs") or {}).values())
    doc: dict[str, Any] = {
        "id": variant["id"],
        "slug": variant["slug"],
        "title": variant_title(brand["name"], model["name"], variant["storage_gb"], variant["color"]),
        "model": model["name"],
        "brand": brand["name"],
        "brand_slug": brand["slug"],
        "category": categories[0]["name"],
        "category_slugs": [c["slug"] for c in categories],
        "storage": storage_label(variant["storage_gb"]),
        "color": variant["color"],
        "keywords": " ".join(c["name"] for c in categories[1:]) + " " + spec_words,
        "grades": [g for g in GRADE_KEYS if g in offers.featured_by_grade],
        "price": offers.featured.offer.price_cents,
        "score": round(product_score.score, 6),
        "rating": (model["rating_x100"] or 0) / 100,
        "rating_count": model["rating_count"],
        "offer_count": len(signals),
        "image": f"/media/variant/{variant['id']}.svg",
        "offers": [candidate_offer(s, (prior_prices or {}).get(s.offer.offer_id)) for s in _candidates(offers)],
    }
    for grade, best in offers.featured_by_grade.items():
        doc[f"price_{grade}"] = best.offer.price_cents
        doc[f"score_{grade}"] = round(rank_products(signals, grade=grade, weights=weights)[0].score, 6)
    return doc
