"""What a search that found nothing offers instead, so a shopper always has a way forward.

- Fewer words: the words that find nothing on their own are left out, then fewer and fewer of the rest,
  keeping the most words, and among as many words those finding the most products. The products of
  the kept words are shown, best first, with a link to all of them.
- The categories whose names are closest to the words typed (a misspelt "tablette" is near "Tablets"),
  then those of the suggested products, and the top-level ones when nothing is close, so the list is never
  empty.

Suggestions keep the search's filters and change only its words: each links to the same results page with
those words, which shows exactly what it promises.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any

from search_index.backends import SearchBackend
from search_index.fallback import search_database
from search_index.query import SearchQuery, normalise_words
from search_index.service import ProductCard, search
from storefront.catalog import queries
from storefront.settings import Settings

SUGGESTED_PRODUCTS = 4
SUGGESTED_CATEGORIES = 3
# Every subset of these many words may be tried (at most 2**5 - 1 counts); later words are left out.
MAX_WORDS = 5
# How alike a typed word and a word of a category's name must be, as difflib's ratio: twice the letters in
# common over both lengths ("tablette" and "tablets": 2 × 6 / 15 = 0.8; "phone" and "audio": 0.2).
CLOSE_NAME = 0.7


@dataclass
class Suggestions:
    text: str = ""  # the words kept, "" when no fewer words find anything
    total: int = 0  # how many products they find
    products: list[ProductCard] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)  # name, slug
    close_names: bool = False  # whether a category's name is close to the words, rather than the fallback


async def _total(backend: SearchBackend, settings: Settings, query: SearchQuery, words: Sequence[str],
                 engine_down: bool) -> int:
    # A price order leaves out the re-ranking of the first pages: only the count is read.
    counted = replace(query, text=" ".join(words), sort="price_asc", page=1, per_page=1)
    if engine_down:  # already known and logged by the search itself: straight to the database
        return (await search_database(counted, settings.ranking)).total
    return (await search(backend, settings, counted)).result.total


async def fewer_words(backend: SearchBackend, settings: Settings, query: SearchQuery, *,
                      engine_down: bool = False) -> tuple[str, int]:
    """The most of the query's words that find something with its filters, and how many products;
    ("", 0) when none does."""
    distinct = list(dict.fromkeys(normalise_words(query.text)))
    typed = distinct[:MAX_WORDS]
    alone = {word: await _total(backend, settings, query, [word], engine_down) for word in typed}
    finding = [word for word in typed if alone[word]]
    for size in range(len(finding), 0, -1):
        best: tuple[int, tuple[str, ...]] = (0, ())
        for kept in combinations(finding, size):
            if list(kept) == distinct:
                continue  # the search itself, which found nothing
            total = alone[kept[0]] if size == 1 else await _total(backend, settings, query, kept, engine_down)
            if total > best[0]:
                best = (total, kept)
        if best[0]:
            return " ".join(best[1]), best[0]
    return "", 0


def _closeness(words: Sequence[str], name: str) -> float:
    return max((1.0 if len(typed) >= 3 and named.startswith(typed) else SequenceMatcher(None, typed, named).ratio()
                for typed in words for named in normalise_words(name)), default=0.0)


def closest_categories(words: Sequence[str], categories: Sequence[dict[str, Any]],
                       products: Sequence[ProductCard] = ()) -> list[dict[str, Any]]:
    """Up to SUGGESTED_CATEGORIES categories: closest names first, then the suggested products' own."""
    scored = sorted(((_closeness(words, c["name"]), position) for position, c in enumerate(categories)),
                    key=lambda pair: (-pair[0], pair[1]))
    chosen = [categories[position] for score, position in scored if score >= CLOSE_NAME]
    by_slug = {c["slug"]: c for c in categories}
    for card in products:
        leaf = by_slug.get(card.document["category_slugs"][0])
        if leaf is not None and leaf not in chosen:
            chosen.append(leaf)
    if not chosen:
        chosen = [c for c in categories if c["parent"] is None]
    return [{"name": c["name"], "slug": c["slug"]} for c in chosen[:SUGGESTED_CATEGORIES]]


async def suggest(backend: SearchBackend, settings: Settings, query: SearchQuery, *,
                  engine_down: bool = False) -> Suggestions:
    """Suggestions for a search with text that found nothing; `engine_down` when that search had to
    answer from the database, so the counts do too without asking the engine again."""
    words = normalise_words(query.text)
    if not words:
        return Suggestions()
    text, total = await fewer_words(backend, settings, query, engine_down=engine_down)
    products: list[ProductCard] = []
    if text:
        found = await search(backend, settings, replace(query, text=text, page=1, per_page=SUGGESTED_PRODUCTS))
        products = found.cards
    every_category = await queries.categories_in_order()
    categories = closest_categories(words, every_category, products)
    close_names = any(_closeness(words, c["name"]) >= CLOSE_NAME for c in categories)
    return Suggestions(text=text, total=total, products=products, categories=categories, close_names=close_names)
