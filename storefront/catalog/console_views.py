"""What the operator console reads about products: finding one by name, every dereferenced one, and what the
page of one product shows beside its case (its public page, how many offers are on sale).

Plain reads, no HTTP here. Offers on sale are counted by the one availability rule.
"""
from __future__ import annotations

from typing import Any

from piccolo.engine.postgres import PostgresEngine

from storefront.catalog.tables import ProductModel, Variant
from storefront.sellers.availability import buyable_offer_clause
from storefront.sellers.tables import Offer

FOUND_LIMIT = 50


async def products_named(text: str) -> list[dict[str, Any]]:
    """Products whose name contains `text`, whatever its case, by name; at most FOUND_LIMIT."""
    # SQLite's LIKE already ignores ASCII case; PostgreSQL needs ILIKE.
    name = ProductModel.name
    matches = (name.ilike if isinstance(ProductModel._meta.db, PostgresEngine) else name.like)(f"%{text}%")
    return await ProductModel.select(ProductModel.id, ProductModel.name, ProductModel.is_dereferenced).where(
        matches).order_by(ProductModel.name).limit(FOUND_LIMIT)


async def dereferenced_products() -> list[dict[str, Any]]:
    """Every dereferenced product, by name, so none is forgotten."""
    return await ProductModel.select(ProductModel.id, ProductModel.name, ProductModel.dereferenced_reason).where(
        ProductModel.is_dereferenced.eq(True)).order_by(ProductModel.name)


async def product_page_slug(model_id: int) -> str | None:
    """The slug of the product's first variant: where its public page is."""
    row = await Variant.select(Variant.slug).where(Variant.model == model_id).order_by(Variant.id).first()
    return row["slug"] if row else None


async def offers_on_sale(model_id: int) -> int:
    return await Offer.count().where((Offer.variant.model == model_id) & buyable_offer_clause())
