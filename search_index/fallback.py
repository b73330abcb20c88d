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
from search_index.index_settings import SEARCHABLE_ATTRIBUTES
from search_index.query import (
    GRADES,
    SearchQuery,
    SearchResult,
    price_field,
    score_field,
    search_words,
    word_alternatives,
)
from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.ranking import RankingWeights
from storefront.sellers.availability import buyable_offer_sql
from storefront.sellers.tables import Offer, Seller
from storefront.strategy import storage_label, variant_title


def _text_matcher(query: SearchQuery) -> Callable[[dict[str, Any]], bool]:
    words = query.words
    if not words:
        return lambda doc: True
    synonyms = {word: word_alternatives(word) for word in words}

    def matches(doc: dict[str, Any]) -> bool:
        haystack = search_words(" ".join(str(doc.get(f, "")) for f in SEARCHABLE_ATTRIBUTES))
        known = set(haystack)

        def found(word: str, last: bool) -> bool:
            itself = any(h.startswith(word) for h in haystack) if last else word in known
            return itself or any(all(w in known for w in words) for words in synonyms[word])

        return all(found(word, position == len(words) - 1) for position, word in enumerate(words))

    return matches


def _in_grade_and_price(doc: dict[str, Any], query: SearchQuery, grade: str | None) -> bool:
    if grade and grade not in doc.get("grades", []):
        return False
    price = doc.get(price_field(grade))
    if query.price_min is not None and (price is None or price < query.price_min):
        return False
    return not (query.price_max is not None and (price is None or price > query.price_max))


def _passes(doc: dict[str, Any], query: SearchQuery) -> dict[str, bool]:
    """Each filter's verdict on the document, so a facet can ignore its own filter without asking again."""
    return {
        "category": not query.category or query.category in doc.get("category_slugs", []),
        "brand": not query.brands or doc.get("brand_slug") in query.brands,
        "storage": not query.storages or doc.get("storage") in query.storages,
        "color": not query.colors or doc.get("color") in query.colors,
        "grade": _in_grade_and_price(doc, query, query.grade),
    }


def search_documents(documents: Sequence[dict[str, Any]], query: SearchQuery) -> SearchResult:
    text_ok = _text_matcher(query)
    matching_text = [d for d in documents if text_ok(d)]
    facets: dict[str, dict[str, int]] = {"category": {}, "brand": {}, "grade": {}, "storage": {}, "color": {}}
    hits = []
    for doc in matching_text:
        verdicts = _passes(doc, query)
        if all(verdicts.values()):
            hits.append(doc)
        for facet, key in (("brand", "brand_slug"), ("storage", "storage"), ("color", "color")):
            if doc.get(key) and all(ok for name, ok in verdicts.items() if name != facet):
                facets[facet][doc[key]] = facets[facet].get(doc[key], 0) + 1
        if all(ok for name, ok in verdicts.items() if name != "category"):
            for slug in doc.get("category_slugs", []):
                facets["category"][slug] = facets["category"].get(slug, 0) + 1
        if verdicts["category"] and verdicts["brand"] and verdicts["storage"] and verdicts["color"]:
            for grade in GRADES:
                if _in_grade_and_price(doc, query, grade):
                    facets["grade"][grade] = facets["grade"].get(grade, 0) + 1
    # The engines list a facet's values in no particular order; the grades go best first, as before.
    facets["grade"] = {grade: facets["grade"][grade] for grade in GRADES if grade in facets["grade"]}

    if query.sort in ("price_asc", "price_desc"):
        hits.sort(key=lambda d: d["id"])
        hits.sort(key=lambda d: d[price_field(query.grade)], reverse=query.sort == "price_desc")
    elif query.sort == "rating":
        hits.sort(key=lambda d: (-d.get("rating", 0), -d.get("rating_count", 0), d["id"]))
    else:
        hits.sort(key=lambda d: (-d.get(score_field(query.grade), 0), d["id"]))
    start = (query.page - 1) * query.per_page
    return SearchResult(hits=hits[start:start + query.per_page], total=len(hits), facets=facets,
                        page=query.page, per_page=query.per_page)




def _category_words(categories: dict[int, dict[str, Any]]) -> dict[int, tuple[list[dict[str, Any]], str]]:
    """Each category's chain (leaf first) and the text its names give a document."""
    chains: dict[int, tuple[list[dict[str, Any]], str]] = {}
    for category_id in categories:
        chain: list[dict[str, Any]] = []
        current: int | None = category_id
        while current is not None and current in categories and len(chain) < 10:
            chain.append(categories[current])
            current = categories[current]["parent"]
        chains[category_id] = (chain, " ".join(search_words(" ".join(c["name"] for c in chain))))
    return chains


def _word_clause(word: str, chains: dict[int, tuple[list[dict[str, Any]], str]],
                 args: list[Any]) -> str:
    """A superset of the variants where `word` could match: the exact word rules are applied to the stubs."""
    args.append(f"%{word}%")
    # After the word's own argument: the placeholders are filled in the order they appear.
    synonyms = [" AND ".join(_word_clause(w, chains, args) for w in words) for words in word_alternatives(word)]
    alternatives = ["LOWER(b.name || ' ' || m.name || ' ' || v.color || ' ' || COALESCE(CAST(v.storage_gb AS TEXT), '')"
                    " || ' ' || COALESCE(CAST(v.specs AS TEXT), '')) LIKE {}"]
    category_ids = [category_id for category_id, (_, text) in chains.items() if word in text]
    if category_ids:
        alternatives.append(f"m.category IN ({', '.join(str(int(c)) for c in category_ids)})")
    if "gb".startswith(word) or "tb".startswith(word):
        alternatives.append("v.storage_gb IS NOT NULL")
    alternatives.extend(f"({clause})" for clause in synonyms)
    return "(" + " OR ".join(alternatives) + ")"


async def _stubs(query: SearchQuery) -> list[dict[str, Any]]:
    """The variants on sale that may match the text, as much of a document as the filters and facets read."""
    categories = {c["id"]: c for c in await Category.select(Category.id, Category.name, Category.slug,
                                                               Category.parent)}
    chains = _category_words(categories)
    args: list[Any] = []
    words = query.words
    clauses = [buyable_offer_sql("o", "s", "m"), *(_word_clause(word, chains, args) for word in words)]
    tables = {name: table._meta.tablename for name, table in
              (("o", Offer), ("s", Seller), ("v", Variant), ("m", ProductModel), ("b", Brand))}
    specs = "CAST(v.specs AS TEXT)" if words else "NULL"  # read only to match words
    lowest = ", ".join(f"MIN(CASE WHEN o.grade = '{grade}' THEN o.price_cents END) AS price_{grade}"
                       for grade in GRADES)
    rows = await Offer.raw(
        f"SELECT v.id AS id, v.storage_gb AS storage_gb, v.color AS color, {specs} AS specs,"
        " m.name AS model, m.category AS category, m.rating_x100 AS rating_x100, m.rating_count AS rating_count,"
        f" b.name AS brand, b.slug AS brand_slug, {lowest}"
        # Variants first, then their offers through the offer.variant index: SQLite reads a CROSS JOIN in the
        # order written, so the rows arrive grouped (no temporary B-tree) and a word filters 10,000 variants
        # rather than 100,000 offers. PostgreSQL plans it as any join.
        f" FROM {tables['v']} v JOIN {tables['m']} m ON m.id = v.model JOIN {tables['b']} b ON b.id = m.brand"
        f" CROSS JOIN {tables['o']} o JOIN {tables['s']} s ON s.id = o.seller"
        f" WHERE o.variant = v.id AND {' AND '.join(clauses)} GROUP BY v.id, m.id, b.id", *args)
    stubs: list[dict[str, Any]] = []
    for row in rows:
        chain, _ = chains[row["category"]]
        rating = (row["rating_x100"] or 0) / 100
        stub: dict[str, Any] = {
            "id": row["id"], "model": row["model"], "brand": row["brand"], "brand_slug": row["brand_slug"],
            "category": chain[0]["name"], "category_slugs": [c["slug"] for c in chain],
            "storage": storage_label(row["storage_gb"]), "color": row["color"],
            "grades": [grade for grade in GRADES if row[f"price_{grade}"] is not None],
            "rating": rating, "rating_count": row["rating_count"], "score": rating,
        }
        if words:  # the words a document is searched by, as product_document writes them
            spec_values = json.loads(row["specs"] or "{}").values()
            stub["title"] = variant_title(row["brand"], row["model"], row["storage_gb"], row["color"])
            stub["keywords"] = (" ".join(c["name"] for c in chain[1:]) + " "
                                + " ".join(str(value) for value in spec_values))
        for grade in stub["grades"]:
            stub[f"price_{grade}"] = row[f"price_{grade}"]
            stub[f"score_{grade}"] = rating
        stub["price"] = min(stub[f"price_{grade}"] for grade in stub["grades"])
        stubs.append(stub)
    return stubs


async def search_database(query: SearchQuery, weights: RankingWeights) -> SearchResult:
    """What the engine would answer, from the database; documents are built for this page's products only."""
    found = search_documents(await _stubs(query), query)
    documents, _ = await build.build_documents(weights, [stub["id"] for stub in found.hits])
    by_id = {doc["id"]: doc for doc in documents}
    # A product sold out since the query above is left out rather than shown without an offer.
    hits = [by_id[stub["id"]] for stub in found.hits if stub["id"] in by_id]
    return SearchResult(hits=hits, total=found.total, facets=found.facets, page=found.page,
                        per_page=found.per_page)
