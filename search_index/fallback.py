"""Search without the engine: the same query model evaluated in Python over documents from the database.

Used when the search engine is down, so search and category pages still answer (with a notice).
It matches whole words and prefixes only; typo tolerance is the engine's job.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from search_index.query import GRADES, SearchQuery, SearchResult, normalise_words, price_field, score_field


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
