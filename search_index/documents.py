"""The search document: one per product (a variant), built by the store's strategy, checked before indexing.

Backends store a document as it is and give it back with the same keys and types; fields of a grade
without an offer (`price_good`, `score_good`, ...) are absent, never null.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from search_index.query import GRADES

# Bounds the embedded backend relies on to pack sort keys into 64-bit integers (see embedded.py).
MAX_ID = 2**31 - 1
MAX_PRICE_CENTS = 2**32 - 1
MAX_ABS_SCORE = 4_000.0
MAX_RATING = 5.0


class ProductDocument(TypedDict, total=False):
    id: int  # variant id, primary key
    slug: str
    title: str  # "Apple iPhone 13 128 GB Midnight"
    model: str  # "iPhone 13"
    brand: str  # "Apple"
    brand_slug: str  # "apple" (facet "brand" and its filter value)
    category: str  # "Smartphones" (display)
    category_slugs: list[str]  # the leaf and its ancestors (facet "category" and its filter value)
    storage: str  # "128 GB", "" when not applicable
    color: str  # "Midnight"
    keywords: str  # more searchable words
    grades: list[str]  # grades with at least one active offer, among GRADES
    price: int  # featured offer's price in cents, over all grades
    score: float  # product ranking score (higher is better), over all grades
    price_premium: int
    price_excellent: int
    price_good: int
    price_fair: int
    score_premium: float
    score_excellent: float
    score_good: float
    score_fair: float
    rating: float  # product average rating 0..5, 0 when none
    rating_count: int
    offer_count: int
    image: str
    offers: list[dict]  # candidate offers: stored and returned as they are, never searched or filtered


DOCUMENT_FIELDS: tuple[str, ...] = tuple(ProductDocument.__annotations__)
REQUIRED_FIELDS = ("id", "title", "brand_slug", "category_slugs", "grades", "price", "score")
_TEXT_FIELDS = ("slug", "title", "model", "brand", "brand_slug", "category", "storage", "color", "keywords",
                "image")
_COUNT_FIELDS = ("rating_count", "offer_count")


class InvalidDocument(ValueError):
    pass


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_document(doc: Mapping[str, Any]) -> ProductDocument:
    """The document itself when every backend can index it; InvalidDocument (a ValueError) otherwise."""
    where = f"search document {doc.get('id')!r}"
    missing = [f for f in REQUIRED_FIELDS if f not in doc]
    if missing:
        raise InvalidDocument(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(doc) - set(DOCUMENT_FIELDS))
    if unknown:
        raise InvalidDocument(f"{where}: unknown fields {', '.join(unknown)}")
    if not _is_int(doc["id"]) or not 0 <= doc["id"] <= MAX_ID:
        raise InvalidDocument(f"{where}: id must be an integer between 0 and {MAX_ID}")
    for field in _TEXT_FIELDS:
        if field in doc and not isinstance(doc[field], str):
            raise InvalidDocument(f"{where}: {field} must be a string")
    for field in ("category_slugs", "grades"):
        if not isinstance(doc[field], list) or not all(isinstance(v, str) for v in doc[field]):
            raise InvalidDocument(f"{where}: {field} must be a list of strings")
    if not set(doc["grades"]) <= set(GRADES):
        raise InvalidDocument(f"{where}: grades must be among {', '.join(GRADES)}")
    for grade in GRADES:
        for field in (f"price_{grade}", f"score_{grade}"):
            if (field in doc) != (grade in doc["grades"]):
                raise InvalidDocument(f"{where}: {field} must be present exactly when {grade!r} is in grades")
    for field in ("price", *(f"price_{g}" for g in GRADES)):
        if field in doc and (not _is_int(doc[field]) or not 0 <= doc[field] <= MAX_PRICE_CENTS):
            raise InvalidDocument(f"{where}: {field} must be a whole number of cents")
    for field in ("score", *(f"score_{g}" for g in GRADES)):
        if field in doc and (not _is_number(doc[field]) or abs(doc[field]) > MAX_ABS_SCORE):
            raise InvalidDocument(f"{where}: {field} must be a number within ±{MAX_ABS_SCORE:g}")
    if "rating" in doc and (not _is_number(doc["rating"]) or not 0 <= doc["rating"] <= MAX_RATING):
        raise InvalidDocument(f"{where}: rating must be between 0 and {MAX_RATING:g}")
    for field in _COUNT_FIELDS:
        if field in doc and (not _is_int(doc[field]) or doc[field] < 0):
            raise InvalidDocument(f"{where}: {field} must be a count")
    if "offers" in doc and not isinstance(doc["offers"], list):
        raise InvalidDocument(f"{where}: offers must be a list")
    return doc  # type: ignore[return-value]
