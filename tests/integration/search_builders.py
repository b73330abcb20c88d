"""Builds search documents for tests: say which grades have an offer at what price and score, and the
rest (featured price and score, grade list, per-grade fields, offers) is filled in consistently."""
from __future__ import annotations

import re
from typing import Any

from search_index.query import GRADES


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def product_document(
    product_id: int,
    brand: str,
    model: str,
    *,
    offers: dict[str, tuple[int, float]],  # grade -> (featured price in cents, score)
    storage: str = "128 GB",
    color: str = "Black",
    category: str = "Smartphones",
    category_slugs: tuple[str, ...] = ("smartphones", "phones"),
    keywords: str = "",
    rating: float = 4.0,
    rating_count: int = 10,
) -> dict[str, Any]:
    """A document like the store's strategy builds: the featured offer is the best-scored grade's."""
    title = " ".join(part for part in (brand, model, storage, color) if part)
    grades = [g for g in GRADES if g in offers]
    featured_price, featured_score = max((offers[g] for g in grades), key=lambda ps: (ps[1], -ps[0]))
    doc: dict[str, Any] = {
        "id": product_id,
        "slug": slugify(title),
        "title": title,
        "model": model,
        "brand": brand,
        "brand_slug": slugify(brand),
        "category": category,
        "category_slugs": list(category_slugs),
        "storage": storage,
        "color": color,
        "keywords": keywords,
        "grades": grades,
        "price": featured_price,
        "score": featured_score,
        "rating": rating,
        "rating_count": rating_count,
        "offer_count": len(grades),
        "image": f"/media/variant/{product_id}.svg",
        "offers": [
            {"offer_id": product_id * 10 + n, "grade": g, "price_cents": offers[g][0], "payment_means": ["card"]}
            for n, g in enumerate(grades)
        ],
    }
    for grade in grades:
        doc[f"price_{grade}"], doc[f"score_{grade}"] = offers[grade]
    return doc
