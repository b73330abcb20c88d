"""Search without the engine: the same query model answered by the database.

Used when the search engine is down, so search and category pages still answer (with a notice). One
query selects the variants on sale whose words could match the text, with each grade's lowest price;
filters, facets and the order are evaluated in Python over those light rows ("stubs"), and full search
documents are built only for the page shown. It matches whole words and prefixes only; typo tolerance is
the engine's job. Simplified on purpose: a price filter and the price sorts use a grade's lowest price
rather than its featured offer's, and "recommended" orders by the product's rating before the results
page re-ranks its first pages by quality/price ratio as usual.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from search_index import build
from search_index.query import GRADES, SearchQuery, SearchResult, normalise_words, price_field, score_field
from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.ranking import RankingWeights
from storefront.sellers.tables import Offer, Seller
from storefront.strategy import storage_label, variant_title


def _text_matcher(query: SearchQuery) -> Callable[[dict[str, Any]], bool]:
    words = normalise_words(query.text)
    if not words:
        return lambda doc: True

    def matches(doc: dict[str, Any]) -> bool:
        haystack = normalise_words(" ".join(str(doc.get(f, "")) for f in ("title", "model", "brand", "category",
                                                                          "keywords")))
        *whole, last = words
        return all(w in haystack for w in whole) and any(h.startswith(last) for h in haystack)

    return matches


def _passes(doc: dict[str, Any], query: SearchQuery, skip: str | None, grade: str | None) -> bool:
    if skip != "category" and query.category and query.category not in doc.get("category_slugs", []):
        return False
    if skip != "brand" and query.brands and doc.get("brand_slug") not in query.brands:
        return False
    if skip != "storage" and query.storages and doc.get("storage") not in query.storages:
        return False
    if skip != "color" and query.colors and doc.get("color") not in query.colors:
        return False
    if grade and grade not in doc.get("grades", []):
        return False
    price = doc.get(price_field(grade))
    if query.price_min is not None and (price is None or price < query.price_min):
        return False
    return not (query.price_max is not None and (price is None or price > query.price_max))


def search_documents(documents: Sequence[dict[str, Any]], query: SearchQuery) -> SearchResult:
    text_ok = _text_matcher(query)
    matching_text = [d for d in documents if text_ok(d)]
    hits = [d for d in matching_text if _passes(d, query, None, query.grade)]

    facets: dict[str, dict[str, int]] = {"category": {}, "brand": {}, "grade": {}, "storage": {}, "color": {}}
    for facet, key in (("brand", "brand_slug"), ("storage", "storage"), ("color", "color")):
        for doc in matching_text:
            if _passes(doc, query, facet, query.grade) and doc.get(key):
                facets[facet][doc[key]] = facets[facet].get(doc[key], 0) + 1
    for doc in matching_text:
        if _passes(doc, query, "category", query.grade):
            for slug in doc.get("category_slugs", []):
                facets["category"][slug] = facets["category"].get(slug, 0) + 1
    for grade in GRADES:
        count = sum(1 for doc in matching_text if _passes(doc, query, None, grade))
        if count:
            facets["grade"][grade] = count

    grade = query.grade
    if query.sort in ("price_asc", "price_desc"):
        hits.sort(key=lambda d: d["id"])
        hits.sort(key=lambda d: d[price_field(grade)], reverse=query.sort == "price_desc")
    elif query.sort == "rating":
        hits.sort(key=lambda d: (-d.get("rating", 0), -d.get("rating_count", 0), d["id"]))
    else:
        hits.sort(key=lambda d: (-d.get(score_field(grade), 0), d["id"]))
    start = (query.page - 1) * query.per_page
    return SearchResult(hits=hits[start:start + query.per_page], total=len(hits), facets=facets,
                        page=query.page, per_page=query.per_page)


# Offers a buyer may see, in SQL: the strategy's `is_available` (an active offer in stock from a referenced
# seller) on a product that is not dereferenced, as `product_document` requires.
_ON_SALE = "o.status = 'active' AND o.stock > 0 AND s.status = 'referenced' AND NOT m.is_dereferenced"


def _category_words(categories: dict[int, dict[str, Any]]) -> dict[int, tuple[list[dict[str, Any]], str]]:
    """Each category's chain (leaf first) and the text its names give a document."""
    chains: dict[int, tuple[list[dict[str, Any]], str]] = {}
    for category_id in categories:
        chain: list[dict[str, Any]] = []
        current: int | None = category_id
        while current is not None and current in categories and len(chain) < 10:
            chain.append(categories[current])
            current = categories[current]["parent"]
        chains[category_id] = (chain, " ".join(normalise_words(" ".join(c["name"] for c in chain))))
    return chains


def _word_clause(word: str, chains: dict[int, tuple[list[dict[str, Any]], str]],
                 args: list[Any]) -> str:
    """A superset of the variants where `word` could match: the exact word rules are applied to the stubs."""
    args.append(f"%{word}%")
    alternatives = ["LOWER(b.name || ' ' || m.name || ' ' || v.color || ' ' || COALESCE(CAST(v.storage_gb AS TEXT), '')"
                    " || ' ' || COALESCE(CAST(v.specs AS TEXT), '')) LIKE {}"]
    category_ids = [category_id for category_id, (_, text) in chains.items() if word in text]
    if category_ids:
        alternatives.append(f"m.category IN ({', '.join(str(int(c)) for c in category_ids)})")
    if "gb".startswith(word) or "tb".startswith(word):
        alternatives.append("v.storage_gb IS NOT NULL")
    return "(" + " OR ".join(alternatives) + ")"


async def _stubs(query: SearchQuery) -> list[dict[str, Any]]:
    """The variants on sale that may match the text, as much of a document as the filters and facets read."""
    categories = {c["id"]: c for c in await Category.select(Category.id, Category.name, Category.slug,
                                                               Category.parent)}
    chains = _category_words(categories)
    args: list[Any] = []
    clauses = [_ON_SALE, *(_word_clause(word, chains, args) for word in normalise_words(query.text))]
    tables = {name: table._meta.tablename for name, table in
              (("o", Offer), ("s", Seller), ("v", Variant), ("m", ProductModel), ("b", Brand))}
    rows = await Offer.raw(
        "SELECT v.id AS id, v.storage_gb AS storage_gb, v.color AS color, CAST(v.specs AS TEXT) AS specs,"
        " m.name AS model, m.category AS category, m.rating_x100 AS rating_x100, m.rating_count AS rating_count,"
        " b.name AS brand, b.slug AS brand_slug, o.grade AS grade, MIN(o.price_cents) AS price"
        f" FROM {tables['o']} o JOIN {tables['s']} s ON s.id = o.seller JOIN {tables['v']} v ON v.id = o.variant"
        f" JOIN {tables['m']} m ON m.id = v.model JOIN {tables['b']} b ON b.id = m.brand"
        f" WHERE {' AND '.join(clauses)} GROUP BY v.id, m.id, b.id, o.grade", *args)
    stubs: dict[int, dict[str, Any]] = {}
    for row in rows:
        stub = stubs.get(row["id"])
        if stub is None:
            chain, _ = chains[row["category"]]
            specs = json.loads(row["specs"] or "{}")
            rating = (row["rating_x100"] or 0) / 100
            stub = stubs[row["id"]] = {
                "id": row["id"], "model": row["model"], "brand": row["brand"], "brand_slug": row["brand_slug"],
                "title": variant_title(row["brand"], row["model"], row["storage_gb"], row["color"]),
                "category": chain[0]["name"], "category_slugs": [c["slug"] for c in chain],
                "storage": storage_label(row["storage_gb"]), "color": row["color"],
                "keywords": " ".join(c["name"] for c in chain[1:]) + " " + " ".join(str(v) for v in specs.values()),
                "grades": [], "rating": rating, "rating_count": row["rating_count"], "score": rating,
            }
        stub["grades"].append(row["grade"])
        stub[f"price_{row['grade']}"] = row["price"]
        stub[f"score_{row['grade']}"] = stub["rating"]
    for stub in stubs.values():
        stub["grades"] = [g for g in GRADES if g in stub["grades"]]
        stub["price"] = min(stub[f"price_{g}"] for g in stub["grades"])
    return list(stubs.values())


async def search_database(query: SearchQuery, weights: RankingWeights) -> SearchResult:
    """What the engine would answer, from the database; documents are built for this page's products only."""
    found = search_documents(await _stubs(query), query)
    documents, _ = await build.build_documents(weights, [stub["id"] for stub in found.hits])
    by_id = {doc["id"]: doc for doc in documents}
    # A product sold out since the query above is left out rather than shown without an offer.
    hits = [by_id[stub["id"]] for stub in found.hits if stub["id"] in by_id]
    return SearchResult(hits=hits, total=found.total, facets=found.facets, page=found.page,
                        per_page=found.per_page)
