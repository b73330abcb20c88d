"""Reads of the catalogue and its offers, as plain dicts for the strategy and the pages."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.sellers.tables import Offer, Seller


@dataclass
class CatalogueSnapshot:
    """Everything needed to build product documents, loaded once: categories and brands are small."""

    categories: dict[int, dict[str, Any]]
    brands: dict[int, dict[str, Any]]
    models: dict[int, dict[str, Any]] = field(default_factory=dict)
    sellers: dict[int, dict[str, Any]] = field(default_factory=dict)

    def category_chain(self, category_id: int) -> list[dict[str, Any]]:
        """The category and its ancestors, leaf first."""
        chain: list[dict[str, Any]] = []
        current: int | None = category_id
        while current is not None and len(chain) < 10:
            row = self.categories[current]
            chain.append(row)
            current = row["parent"]
        return chain


async def load_snapshot(model_ids: Sequence[int] | None = None) -> CatalogueSnapshot:
    snapshot = CatalogueSnapshot(
        categories={c["id"]: c for c in await Category.select()},
        brands={b["id"]: b for b in await Brand.select()},
    )
    model_query = ProductModel.select()
    if model_ids is not None:
        model_query = model_query.where(ProductModel.id.is_in(list(model_ids) or [0]))
    snapshot.models = {m["id"]: m for m in await model_query}
    snapshot.sellers = {s["id"]: s for s in await Seller.select()}
    return snapshot


async def categories_in_order() -> list[dict[str, Any]]:
    return await Category.select().order_by(Category.position)


async def brands() -> list[dict[str, Any]]:
    return await Brand.select().order_by(Brand.name)


async def child_categories(category_id: int) -> list[dict[str, Any]]:
    return await Category.select().where(Category.parent == category_id).order_by(Category.position)


async def category_by_slug(slug: str) -> dict[str, Any] | None:
    return await Category.select().where(Category.slug == slug).first()


async def variants_with_offers(variant_ids: Sequence[int] | None = None) -> list[tuple[dict, list[dict]]]:
    """Variants with all their offers (any status); the strategy decides what a buyer may see."""
    variant_query = Variant.select().output(load_json=True)
    offer_query = Offer.select()
    if variant_ids is not None:
        ids = list(variant_ids) or [0]
        variant_query = variant_query.where(Variant.id.is_in(ids))
        offer_query = offer_query.where(Offer.variant.is_in(ids))
    variants = await variant_query.order_by(Variant.id)
    offers_by_variant: dict[int, list[dict]] = defaultdict(list)
    for offer in await offer_query:
        offers_by_variant[offer["variant"]].append(offer)
    return [(v, offers_by_variant.get(v["id"], [])) for v in variants]


async def variant_by_id(variant_id: int) -> dict[str, Any] | None:
    return await Variant.select().where(Variant.id == variant_id).output(load_json=True).first()


async def category_chain(category_id: int) -> list[dict[str, Any]]:
    """The category and its ancestors, leaf first."""
    snapshot = CatalogueSnapshot(categories={c["id"]: c for c in await Category.select()}, brands={})
    return snapshot.category_chain(category_id)



@cache
def _variant_in_context_columns() -> tuple:
    # Piccolo resolves joined columns through attribute magic that costs milliseconds per request;
    # the column list never changes, so it is resolved once.
    return (
        *Variant.all_columns(exclude=[Variant.model]),
        *Variant.model.all_columns(exclude=[ProductModel.brand, ProductModel.category]),
        *Variant.model.brand.all_columns(),
        *Variant.model.category.all_columns(),
    )


@cache
def _offer_with_seller_columns() -> tuple:
    return (*Offer.all_columns(exclude=[Offer.seller]), *Offer.seller.all_columns())


async def variant_in_context(slug: str) -> dict[str, Any] | None:
    """A variant with its model, brand and category nested, in one query (the product page's hot path)."""
    return await Variant.select(*_variant_in_context_columns()).where(Variant.slug == slug).output(
        nested=True, load_json=True).first()


async def offers_with_sellers(variant_id: int) -> list[dict[str, Any]]:
    """Every offer of a variant, each with its seller nested under "seller", in one query."""
    return await Offer.select(*_offer_with_seller_columns()).where(Offer.variant == variant_id).output(nested=True)


async def sibling_variants(model_id: int) -> list[dict[str, Any]]:
    return await Variant.select().where(Variant.model == model_id).order_by(Variant.storage_gb, Variant.id)




async def model_with_context(model_id: int) -> tuple[dict, dict, dict] | None:
    model = await ProductModel.select().where(ProductModel.id == model_id).first()
    if model is None:
        return None
    brand = await Brand.select().where(Brand.id == model["brand"]).first()
    category = await Category.select().where(Category.id == model["category"]).first()
    return model, brand, category
