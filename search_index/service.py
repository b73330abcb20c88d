"""The store's search: the configured engine, with the database as a fallback when it is down."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

from search_index.backends import SearchBackend, SearchUnavailable, make_backend
from search_index.fallback import search_database
from search_index.query import SearchQuery, SearchResult
from storefront.catalog.grades import GRADE_BY_KEY
from storefront.ranking import RankedProduct, rank_products
from storefront.sellers.price_history import Reduction, announced_reduction, saving_against_new
from storefront.settings import Settings
from storefront.strategy import signals_from_candidates

log = logging.getLogger(__name__)

# The results page re-ranks this many of the engine's best matches by quality/price ratio (the first
# two pages); later pages keep the engine's order, which already sorts by the same precomputed score.
RERANK_WINDOW = 48


def backend_from_settings(settings: Settings) -> SearchBackend:
    return make_backend(
        settings.search_backend,
        index_dir=settings.search_index_dir,
        meili_url=settings.meili_url,
        meili_api_key=settings.meili_api_key,
        index_prefix=settings.index_prefix,
    )


@dataclass
class ProductCard:
    document: dict[str, Any]
    ranked: RankedProduct

    @property
    def featured_price(self) -> int:
        return self.ranked.featured.offer.price_cents

    @property
    def grade_label(self) -> str:
        return GRADE_BY_KEY[self.ranked.featured.offer.grade].label

    @property
    def rating_x100(self) -> int:
        """The document keeps the rating as stars for sorting; pages read it in hundredths, as stored."""
        return round(self.document["rating"] * 100)

    @property
    def grade_count(self) -> int:
        """How many grades the product can be bought in: the range the card stands for."""
        return len(self.document["grades"])

    @property
    def lowest_grade_price(self) -> int:
        """The cheapest of the grades' featured prices (`price_<grade>` in the document): the card's "from"."""
        return min(self.document[f"price_{grade}"] for grade in self.document["grades"])

    @property
    def prior_price(self) -> int | None:
        """The featured offer's prior price, as its document carries it (None in a document built before)."""
        featured_id = self.ranked.featured.offer.offer_id
        offer = next((o for o in self.document.get("offers", []) if o.get("offer_id") == featured_id), None)
        return offer.get("prior_price_cents") if offer else None

    @property
    def reduction(self) -> Reduction | None:
        """"−X %" against the featured offer's prior price, when there is a reduction to announce."""
        return announced_reduction(self.featured_price, self.prior_price)

    @property
    def saving_against_new(self) -> int | None:
        """Cents cheaper than the same device new, said in words, never as a percentage."""
        return saving_against_new(self.featured_price, self.ranked.featured.offer.reference_price_cents)


@dataclass
class Results:
    query: SearchQuery
    result: SearchResult
    cards: list[ProductCard] = field(default_factory=list)
    degraded: bool = False


async def _engine_search(backend: SearchBackend, query: SearchQuery) -> SearchResult:
    return await anyio.to_thread.run_sync(backend.search, query)


async def search(backend: SearchBackend, settings: Settings, query: SearchQuery) -> Results:
    """Ask the engine; re-rank the first pages; fall back to the database if the engine fails."""
    degraded = False
    window = query.sort == "recommended" and query.page * query.per_page <= RERANK_WINDOW
    engine_query = SearchQuery(**{**query.__dict__, "page": 1, "per_page": RERANK_WINDOW}) if window else query
    try:
        result = await _engine_search(backend, engine_query)
    except SearchUnavailable:
        log.exception("search engine unavailable, answering from the database")
        result = await search_database(engine_query, settings.ranking)
        degraded = True
    ranked = _rank(result.hits, query, settings)
    if window:
        start = (query.page - 1) * query.per_page
        ranked = ranked[start:start + query.per_page]
    else:
        order = {doc["id"]: i for i, doc in enumerate(result.hits)}
        ranked.sort(key=lambda card: order[card.document["id"]])
    page_result = SearchResult(hits=[c.document for c in ranked], total=result.total, facets=result.facets,
                               page=query.page, per_page=query.per_page)
    return Results(query=query, result=page_result, cards=ranked, degraded=degraded)


def _rank(documents: list[dict[str, Any]], query: SearchQuery, settings: Settings) -> list[ProductCard]:
    by_id = {doc["id"]: doc for doc in documents}
    candidates = [s for doc in documents for s in signals_from_candidates(doc["id"], doc["offers"])]
    ranked = rank_products(candidates, grade=query.grade, weights=settings.ranking)
    return [ProductCard(document=by_id[r.product_id], ranked=r) for r in ranked]
