"""Reads of the catalogue and its offers, as plain dicts for the strategy and the pages."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.db import PreparedSelect
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


@dataclass(frozen=True)
class _ReferenceData:
    engine: object
    categories: dict[int, dict[str, Any]]  # by id, in display order
    brands: list[dict[str, Any]]  # by name

    @property
    def brand_ids(self) -> set[int]:
        return {b["id"] for b in self.brands}


_reference: _ReferenceData | None = None


async def _reference_data() -> _ReferenceData:
    """Categories and brands, read once per worker rather than on every page: they are a few dozen rows and
    change only when a catalogue is loaded, whose loader calls `forget_reference_data()`, or when an approved
    catalogue request makes a brand (read afresh by `_reference_knowing` in the workers that did not make it).
    Tied to the engine the tables point at, so a process that rebinds them (tests on PostgreSQL) reads them
    afresh."""
    global _reference
    engine = Category._meta.db
    if _reference is None or _reference.engine is not engine:
        categories = await Category.select().order_by(Category.position).order_by(Category.id)
        _reference = _ReferenceData(engine=engine, categories={c["id"]: c for c in categories},
                                    brands=await Brand.select().order_by(Brand.name))
    return _reference


def forget_reference_data() -> None:
    """Categories or brands were written: the next read goes to the database."""
    global _reference
    _reference = None


async def _reference_knowing(models: Iterable[dict[str, Any]]) -> _ReferenceData:
    """The reference data, read afresh when it lacks a brand or category one of `models` names: an approved
    catalogue request (storefront.catalog.requests) may have made one in another worker since this one read it."""
    reference = await _reference_data()
    if any(m["brand"] not in reference.brand_ids or m["category"] not in reference.categories for m in models):
        forget_reference_data()
        reference = await _reference_data()
    return reference


async def load_snapshot(model_ids: Sequence[int] | None = None) -> CatalogueSnapshot:
    model_query = ProductModel.select()
    if model_ids is not None:
        model_query = model_query.where(ProductModel.id.is_in(list(model_ids) or [0]))
    models = await model_query
    reference = await _reference_knowing(models)
    snapshot = CatalogueSnapshot(categories=dict(reference.categories),
                                 brands={b["id"]: b for b in reference.brands})
    snapshot.models = {m["id"]: m for m in models}
    snapshot.sellers = {s["id"]: s for s in await Seller.select()}
    return snapshot


async def categories_in_order() -> list[dict[str, Any]]:
    return list((await _reference_data()).categories.values())


async def brands() -> list[dict[str, Any]]:
    return list((await _reference_data()).brands)


async def child_categories(category_id: int) -> list[dict[str, Any]]:
    return [c for c in (await _reference_data()).categories.values() if c["parent"] == category_id]


async def category_by_slug(slug: str) -> dict[str, Any] | None:
    return next((c for c in (await _reference_data()).categories.values() if c["slug"] == slug), None)


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
    snapshot = CatalogueSnapshot(categories=(await _reference_data()).categories, brands={})
    return snapshot.category_chain(category_id)


def _variant_in_context_columns() -> tuple:
    return (
        *Variant.all_columns(exclude=[Variant.model]),
        *Variant.model.all_columns(exclude=[ProductModel.brand, ProductModel.category]),
        *Variant.model._.brand.all_columns(),
        *Variant.model._.category.all_columns(),
    )


# Composed once: Piccolo resolves joined columns through attribute magic that costs more than the query.
_VARIANT_IN_CONTEXT = PreparedSelect(lambda slug: Variant.select(*_variant_in_context_columns()).where(
    Variant.slug == slug).output(nested=True, load_json=True).limit(1))
_VARIANTS_OF_SAME_MODEL = PreparedSelect(lambda slug: Variant.select(*_variant_in_context_columns()).where(
    Variant.model.is_in(Variant.select(Variant.model).where(Variant.slug == slug))).order_by(
    Variant.storage_gb, Variant.id).output(nested=True, load_json=True))
_OFFERS_WITH_SELLERS = PreparedSelect(lambda variant_id: Offer.select(
    *Offer.all_columns(exclude=[Offer.seller]), *Offer.seller.all_columns()).where(
    Offer.variant == variant_id).output(nested=True))


async def variant_in_context(slug: str) -> dict[str, Any] | None:
    """A variant with its model, brand and category nested, in one query (the product page's hot path)."""
    rows = await _VARIANT_IN_CONTEXT.run(slug)
    return rows[0] if rows else None


async def variant_with_siblings(slug: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The variant as `variant_in_context` gives it, and every variant of its model (itself included, in
    storage order) for the pickers: one query where the product page used to spend two."""
    rows = await _VARIANTS_OF_SAME_MODEL.run(slug)
    return next((row for row in rows if row["slug"] == slug), None), rows


async def offers_with_sellers(variant_id: int) -> list[dict[str, Any]]:
    """Every offer of a variant, each with its seller nested under "seller", in one query."""
    return await _OFFERS_WITH_SELLERS.run(variant_id)


async def model_with_context(model_id: int) -> tuple[dict, dict, dict] | None:
    model = await ProductModel.select().where(ProductModel.id == model_id).first()
    if model is None:
        return None
    reference = await _reference_knowing([model])
    brand = next(b for b in reference.brands if b["id"] == model["brand"])
    return model, brand, reference.categories[model["category"]]
