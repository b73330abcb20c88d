"""Index settings as data: Meilisearch's settings object, and the embedded (tantivy) schema description.

Both backends read their field lists from here, so a field added to the document is made searchable,
filterable or sortable in one place. Meilisearch's settings are sent as they are (PATCH
/indexes/{uid}/settings) before any document.
"""
from __future__ import annotations

from typing import Any

from search_index.documents import DOCUMENT_FIELDS
from search_index.query import GRADES, MIN_WORD_SIZE_ONE_TYPO, MIN_WORD_SIZE_TWO_TYPOS
from search_index.synonyms import SYNONYMS

PRIMARY_KEY = "id"

# Searched, in order of importance (Meilisearch's `attribute` rule uses the order).
SEARCHABLE_ATTRIBUTES = ["title", "model", "brand", "category", "keywords"]
# Meilisearch only: the parts of the searchable words that mix letters and digits ("s21" -> "s 21"), added
# to each document it receives and never displayed, so it matches the split words the query sends
# (query.search_words) whether or not its own tokenizer splits them.
WORD_PARTS_FIELD = "word_parts"

# Facet name (as SearchResult.facets and the web layer know it) -> the document field it counts.
FACET_FIELDS = {
    "category": "category_slugs",
    "brand": "brand_slug",
    "grade": "grades",
    "storage": "storage",
    "color": "color",
}
PRICE_FIELDS = ["price", *(f"price_{g}" for g in GRADES)]
SCORE_FIELDS = ["score", *(f"score_{g}" for g in GRADES)]

FILTERABLE_ATTRIBUTES = [PRIMARY_KEY, *FACET_FIELDS.values(), *PRICE_FIELDS]
SORTABLE_ATTRIBUTES = [PRIMARY_KEY, *PRICE_FIELDS, *SCORE_FIELDS, "rating", "rating_count"]
DISPLAYED_ATTRIBUTES = list(DOCUMENT_FIELDS)

# Enough for the whole catalogue, so `totalHits` is exact and every page can be reached.
MAX_TOTAL_HITS = 100_000

MEILI_SETTINGS: dict[str, Any] = {
    "searchableAttributes": [*SEARCHABLE_ATTRIBUTES, WORD_PARTS_FIELD],
    "filterableAttributes": FILTERABLE_ATTRIBUTES,
    "sortableAttributes": SORTABLE_ATTRIBUTES,
    "displayedAttributes": DISPLAYED_ATTRIBUTES,
    # `sort` comes right after `words` and `typo`: with text, products needing no typo come first and
    # the chosen sort (the store's score for "recommended") orders them; without text only `sort`
    # counts. Placed first, a price sort would list typo matches ("phone" for "iphone") among exact
    # ones; placed last (Meilisearch's default is before `exactness`), proximity and attribute would
    # outrank the store's score. Every sort ends with `id:asc`, so the rules after `sort` never decide.
    "rankingRules": ["words", "typo", "sort", "proximity", "attribute", "exactness"],
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": MIN_WORD_SIZE_ONE_TYPO, "twoTypos": MIN_WORD_SIZE_TWO_TYPOS},
    },
    # Multi-word synonyms are matched as consecutive words; the embedded engine expands the same table.
    "synonyms": {word: list(meanings) for word, meanings in SYNONYMS.items()},
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    "faceting": {"maxValuesPerFacet": 1_000},
    # One distinctAttribute at most, and none here: a document already is one product.
    "distinctAttribute": None,
}

# Embedded backend (tantivy). Bump the version whenever the layout below changes: an index built by
# another version is reported unhealthy (so `manage prepare` rebuilds it) and never searched.
# Version 2: words mixing letters and digits are indexed as their parts (query.search_words).
EMBEDDED_SCHEMA_VERSION = 2
EMBEDDED_SCHEMA: dict[str, Any] = {
    "version": EMBEDDED_SCHEMA_VERSION,
    # SEARCHABLE_ATTRIBUTES, normalised by query.search_words and joined by spaces into one field
    # with the whitespace tokenizer, so indexing and querying share one normalisation.
    "text_field": "words",
    # Exact-value fields (raw tokenizer), indexed for term filters and fast for facet aggregations.
    "keyword_fields": list(FACET_FIELDS.values()),
    # Signed 64-bit fast fields: the id (also indexed, to delete by id) and the price range filters.
    "integer_fields": [PRIMARY_KEY, *PRICE_FIELDS],
    # One signed 64-bit fast field per (sort, grade), packing the whole ordering including the id
    # tie-break, always read in descending order (see embedded.sort_keys).
    "sort_key_fields": [
        *(f"sort_recommended{suffix}" for suffix in ("", *(f"_{g}" for g in GRADES))),
        *(f"sort_price_asc{suffix}" for suffix in ("", *(f"_{g}" for g in GRADES))),
        *(f"sort_price_desc{suffix}" for suffix in ("", *(f"_{g}" for g in GRADES))),
        "sort_rating",
    ],
    # The whole document as JSON, returned for the hits of the page.
    "stored_field": "document",
}
