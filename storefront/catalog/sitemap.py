"""The catalogue pages a search engine should index, each with the last change its rows can back.

A product page (a variant) is listed while the product is offered: at least one of its offers may be bought
now, by the one availability rule (`buyable_offer_clause`), which also leaves out every page that answers 410
(a dereferenced product, or one offered only by dereferenced sellers). A category is listed while something
in it or below it is. Dates come from rows, never from the clock: a product changed when one of its buyable
offers was last written or one of its model's published reviews was, a category when the newest of its
products did. Read model for storefront/web/crawlers.py, which turns slugs into URLs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.catalog import queries
from storefront.reviews.states import ReviewStatus
from storefront.reviews.tables import Review
from storefront.sellers.availability import buyable_offer_clause
from storefront.sellers.tables import Offer


@dataclass(frozen=True)
class Listed:
    slug: str
    last_changed: dt.datetime


@dataclass(frozen=True)
class IndexableCatalogue:
    products: list[Listed]  # variants, by slug
    categories: list[Listed]  # in the navigation's order

    @property
    def last_changed(self) -> dt.datetime | None:
        return max((p.last_changed for p in self.products), default=None)


def _latest(current: dt.datetime | None, moment: dt.datetime) -> dt.datetime:
    return moment if current is None or moment > current else current


async def indexable_catalogue() -> IndexableCatalogue:
    offers = await Offer.select(Offer.variant._.slug, Offer.variant._.model, Offer.variant._.model._.category,
                                Offer.updated_at).where(buyable_offer_clause())
    reviewed: dict[int, dt.datetime] = {}
    for review in await Review.select(Review.model, Review.updated_at).where(
            Review.status == ReviewStatus.published):
        reviewed[review["model"]] = _latest(reviewed.get(review["model"]), review["updated_at"])
    changed: dict[str, dt.datetime] = {}
    category_of: dict[str, int] = {}
    for offer in offers:
        slug, model = offer["variant.slug"], offer["variant.model"]
        changed[slug] = _latest(changed.get(slug), offer["updated_at"])
        if model in reviewed:
            changed[slug] = _latest(changed[slug], reviewed[model])
        category_of[slug] = offer["variant.model.category"]
    by_category: dict[int, dt.datetime] = {}
    for slug, moment in changed.items():
        # A category page shows what is filed under it and under its subcategories.
        for category in await queries.category_chain(category_of[slug]):
            by_category[category["id"]] = _latest(by_category.get(category["id"]), moment)
    categories = [Listed(c["slug"], by_category[c["id"]]) for c in await queries.categories_in_order()
                  if c["id"] in by_category]
    return IndexableCatalogue(products=[Listed(slug, changed[slug]) for slug in sorted(changed)],
                              categories=categories)
