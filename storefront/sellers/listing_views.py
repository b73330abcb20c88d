"""What the seller portal, the CSV export and the seller API read about a seller's offers, and the catalogue
search a seller uses to find the variant it lists. Every offer read is scoped to one seller; deleted offers
are never read. Plain dicts, no HTTP.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column
from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Count

from storefront.catalog.tables import Variant
from storefront.errors import NotFound
from storefront.sellers.states import OFFER_STATUS_LABELS, OfferStatus
from storefront.sellers.tables import Offer, OfferPrice
from storefront.strategy import variant_title

# Filters a seller picks on its offers list: key → what it means.
STATUS_FILTERS = {
    "on_sale": "On sale",
    "paused": "Paused",
    "out_of_stock": "Out of stock",
    "removed": "Removed by Encore",
}
SORTS = {
    "updated": "Last changed",
    "name": "Product name",
    "price": "Price, lowest first",
    "-price": "Price, highest first",
    "stock": "Stock, lowest first",
    "sku": "SKU",
}


@dataclass(frozen=True)
class OfferPage:
    offers: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def _columns() -> list[Column]:
    return [
        *Offer.all_columns(),
        Offer.variant._.slug.as_alias("variant_slug"),
        Offer.variant._.ean.as_alias("ean"),
        Offer.variant._.storage_gb.as_alias("storage_gb"),
        Offer.variant._.color.as_alias("color"),
        Offer.variant._.reference_price_cents.as_alias("reference_price_cents"),
        Offer.variant._.model._.name.as_alias("model_name"),
        Offer.variant._.model._.brand._.name.as_alias("brand_name"),
        Offer.variant._.model._.is_dereferenced.as_alias("model_dereferenced"),
        Offer.seller._.status.as_alias("seller_status"),
    ]


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    row["title"] = variant_title(row["brand_name"], row["model_name"], row["storage_gb"], row["color"])
    row["status_label"] = OFFER_STATUS_LABELS[row["status"]]
    row["on_sale"] = (row["status"] == OfferStatus.active and row["stock"] > 0 and not row["model_dereferenced"]
                      and row["seller_status"] == "referenced")
    return row


def _storage_gb(word: str) -> int | None:
    """A search word that names a storage size ("128", "128GB", "1TB") as gigabytes; None otherwise."""
    digits = word.upper().removesuffix("GB").removesuffix("TB")
    if digits.isascii() and digits.isdigit() and len(digits) <= 4:
        return int(digits) * (1000 if word.upper().endswith("TB") else 1)
    return None


def _contains(column: Any, word: str) -> Any:
    """Case-insensitive "contains": SQLite's LIKE already ignores ASCII case, and Piccolo warns at every ILIKE."""
    pattern = f"%{word}%"
    return column.ilike(pattern) if isinstance(Offer._meta.db, PostgresEngine) else column.like(pattern)


def _matching(seller_id: int, query: str, status: str | None, grade: str | None) -> Any:
    where = (Offer.seller == seller_id) & (Offer.status != OfferStatus.deleted)
    words = query.split()
    for word in words[:8]:
        condition = (_contains(Offer.sku, word) | _contains(Offer.variant._.ean, word)
                     | _contains(Offer.variant._.model._.name, word)
                     | _contains(Offer.variant._.model._.brand._.name, word) | _contains(Offer.variant._.color, word))
        if (storage := _storage_gb(word)) is not None:
            condition |= Offer.variant._.storage_gb == storage
        where &= condition
    if status == "on_sale":
        where &= (Offer.status == OfferStatus.active) & (Offer.stock > 0)
    elif status == "paused":
        where &= Offer.status == OfferStatus.paused
    elif status == "out_of_stock":
        where &= (Offer.stock <= 0) & (Offer.status == OfferStatus.active)
    elif status == "removed":
        where &= Offer.status == OfferStatus.removed
    if grade:
        where &= Offer.grade == grade
    return where


async def seller_offers(seller_id: int, *, query: str = "", status: str | None = None, grade: str | None = None,
                        sort: str = "updated", page: int = 1, per_page: int = 25,
                        among: Collection[int] | None = None) -> OfferPage:
    """One page of the seller's offers matching a search (SKU, EAN, brand, model, colour, storage), a state and a
    grade, in the order asked for; with `among`, only those of these offer ids (a filter computed outside
    SQL, such as "featured or not")."""
    where = _matching(seller_id, query, status, grade)
    if among is not None:
        if not among:
            return OfferPage(offers=[], total=0, page=1, pages=1)
        where &= Offer.id.is_in(sorted(among))
    total = (await Offer.select(Count()).where(where).first() or {"count": 0})["count"]
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    select = Offer.select(*_columns()).where(where)
    if sort == "name":
        select = select.order_by(Offer.variant._.model._.name, Offer.variant._.storage_gb, Offer.variant._.color)
    elif sort == "price":
        select = select.order_by(Offer.price_cents)
    elif sort == "-price":
        select = select.order_by(Offer.price_cents, ascending=False)
    elif sort == "stock":
        select = select.order_by(Offer.stock)
    elif sort == "sku":
        select = select.order_by(Offer.sku)
    else:
        select = select.order_by(Offer.updated_at, ascending=False)
    rows = await select.order_by(Offer.id).limit(per_page).offset((page - 1) * per_page)
    return OfferPage(offers=[_shaped(row) for row in rows], total=total, page=page, pages=pages)


async def matching_offer_ids(seller_id: int, *, query: str = "", status: str | None = None,
                             grade: str | None = None) -> list[int]:
    """The ids of every offer of the seller matching a search, a state and a grade: what a filter computed
    outside SQL starts from."""
    rows = await Offer.select(Offer.id).where(_matching(seller_id, query, status, grade)).order_by(Offer.id)
    return [row["id"] for row in rows]


async def offer_price_history(seller_id: int, offer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The seller's offer's latest prices, newest first: each with the moment it took effect."""
    return await OfferPrice.select(OfferPrice.price_cents, OfferPrice.currency, OfferPrice.starts_at).where(
        (OfferPrice.offer == offer_id) & (OfferPrice.offer._.seller == seller_id)
    ).order_by(OfferPrice.starts_at, ascending=False).order_by(OfferPrice.id, ascending=False).limit(limit)


async def listable_variant(variant_id: int) -> dict[str, Any] | None:
    """A catalogue variant a seller may make an offer for, with its title; None if unknown or no longer
    offered."""
    row = await Variant.select(
        Variant.id, Variant.slug, Variant.ean, Variant.storage_gb, Variant.color, Variant.reference_price_cents,
        Variant.model._.name.as_alias("model_name"), Variant.model._.brand._.name.as_alias("brand_name"),
    ).where((Variant.id == variant_id) & Variant.model._.is_dereferenced.eq(False)).first()
    if row is not None:
        row["title"] = variant_title(row["brand_name"], row["model_name"], row["storage_gb"], row["color"])
    return row


async def all_seller_offers(seller_id: int) -> list[dict[str, Any]]:
    """Every offer of the seller, by SKU: what the CSV export writes."""
    rows = await Offer.select(*_columns()).where(
        (Offer.seller == seller_id) & (Offer.status != OfferStatus.deleted)).order_by(Offer.sku)
    return [_shaped(row) for row in rows]


async def seller_offer(seller_id: int, offer_id: int) -> dict[str, Any]:
    """One of the seller's offers; NotFound for a missing, deleted or another seller's offer."""
    row = await Offer.select(*_columns()).where(
        (Offer.id == offer_id) & (Offer.seller == seller_id) & (Offer.status != OfferStatus.deleted)).first()
    if row is None:
        raise NotFound(offer_id)
    return _shaped(row)


async def seller_offer_by_sku(seller_id: int, sku: str) -> dict[str, Any]:
    row = await Offer.select(*_columns()).where(
        (Offer.sku == sku) & (Offer.seller == seller_id) & (Offer.status != OfferStatus.deleted)).first()
    if row is None:
        raise NotFound(sku)
    return _shaped(row)


async def find_variants(query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Catalogue variants a seller may list, matching every word of `query` in the brand, model, colour,
    storage or EAN; products no longer offered are left out."""
    words = query.split()[:8]
    if not words:
        return []
    where: Any = Variant.model._.is_dereferenced.eq(False)
    for word in words:
        condition = (_contains(Variant.model._.name, word) | _contains(Variant.model._.brand._.name, word)
                     | _contains(Variant.color, word) | _contains(Variant.ean, word))
        if (storage := _storage_gb(word)) is not None:
            condition |= Variant.storage_gb == storage
        where &= condition
    rows = await Variant.select(
        Variant.id, Variant.slug, Variant.ean, Variant.storage_gb, Variant.color, Variant.reference_price_cents,
        Variant.model._.name.as_alias("model_name"), Variant.model._.brand._.name.as_alias("brand_name"),
    ).where(where).order_by(Variant.model._.name).order_by(Variant.storage_gb).order_by(Variant.id).limit(limit)
    for row in rows:
        row["title"] = variant_title(row["brand_name"], row["model_name"], row["storage_gb"], row["color"])
    return rows
