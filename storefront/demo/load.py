"""Loads a generated catalogue into the database, in batches, keeping the generator's ids for the catalogue
and the sellers. Offers go through the listing service, as a seller's would: the generator's offer dicts then
take the ids the database gave them, for the demo history that orders them."""
from __future__ import annotations

import json

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from storefront.catalog import queries
from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.demo.generate import DemoCatalogue
from storefront.sellers import listings
from storefront.sellers.tables import Offer, Seller

BATCH = 1_000


async def _insert(table: type[Table], rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        await table.insert(*(table(**row) for row in rows[start:start + BATCH]))


async def load(catalogue: DemoCatalogue) -> None:
    # Parents first: a category's parent must exist before it does.
    await _insert(Category, sorted(catalogue.categories, key=lambda c: c["parent"] is not None))
    await _insert(Brand, catalogue.brands)
    queries.forget_reference_data()
    await _insert(ProductModel, catalogue.models)
    await _insert(Variant, [{**v, "specs": json.dumps(v["specs"])} for v in catalogue.variants])
    await _insert(Seller, catalogue.sellers)
    engine = Offer._meta.db
    if isinstance(engine, PostgresEngine):
        # Explicit ids do not move PostgreSQL's sequences; the next insert would collide without this.
        for table in (Category, Brand, ProductModel, Variant, Seller):
            name = table._meta.tablename
            await engine.run_ddl(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1)) FROM {name}"
            )
    await _list_offers(catalogue.offers)


async def _list_offers(offers: list[dict]) -> None:
    by_seller: dict[int, list[dict]] = {}
    for offer in offers:
        by_seller.setdefault(offer["seller"], []).append(offer)
    for seller_id, rows in by_seller.items():
        await listings.apply_offers(seller_id, [_fields(row) for row in rows])
        ids = {o["sku"]: o["id"] for o in await Offer.select(Offer.id, Offer.sku).where(Offer.seller == seller_id)}
        for row in rows:
            row["id"] = ids[row["sku"]]


def _fields(offer: dict) -> listings.OfferFields:
    return listings.OfferFields(
        sku=offer["sku"], variant_id=offer["variant"], grade=offer["grade"], price_cents=offer["price_cents"],
        stock=offer["stock"], shipping_cents=offer["shipping_cents"], delivery_days=offer["delivery_days"],
        warranty_months=offer["warranty_months"], battery_health_pct=offer["battery_health_pct"],
        new_battery=offer["new_battery"], payment_means=tuple(offer["payment_means"].split(",")),
        condition_note=offer["description"],
    )


async def is_empty() -> bool:
    return await Variant.count() == 0
