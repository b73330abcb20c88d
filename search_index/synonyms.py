"""Abbreviations shoppers type for a product, as data: each also finds the words it stands for.

Keys are single words as `query.normalise_words` writes them; values are what the catalogue calls the
product. Meilisearch receives this table as its `synonyms` setting (index_settings.MEILI_SETTINGS); the
embedded engine and the database fallback expand the same table themselves (query.word_alternatives).
One way only: "ps5" finds "PlayStation 5"; the catalogue never writes "ps5", so the reverse finds nothing.
"""
from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "ps5": ("playstation 5",),
    "ps4": ("playstation 4",),
    "mba": ("macbook air",),
    "mbp": ("macbook pro",),
    "xsx": ("xbox series x",),
    "xss": ("xbox series s",),
}
