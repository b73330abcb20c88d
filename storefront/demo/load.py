"""Loads a generated catalogue into the database, in batches, keeping the generator's ids for the catalogue
and the sellers. Offers go through the listing service, as a seller's would: the generator's offer dicts then
take the ids the database gave them, for the demo history that orders them."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

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


# The demo's price history: every offer was listed LISTED_DAYS_AGO; one in REDUCED_EVERY was listed about a tenth
# dearer and brought down to its price REDUCED_DAYS_AGO, so the store has reductions to announce against the
# prior price ("−10 %"), made through the listing service as a seller would. The prices of today are the
# generator's, whatever the history.
LISTED_DAYS_AGO = 40
REDUCED_DAYS_AGO = 2
REDUCED_EVERY = 25


def _was_dearer(index: int) -> bool:
    return index % REDUCED_EVERY == REDUCED_EVERY - 1


def _dearer(price_cents: int) -> int:
    """About 11 % dearer, ending in .99 as the demo's prices do: a reduction of about 10 % to today's price."""
    return (price_cents * 111 // 100) // 100 * 100 + 99


async def _list_offers(offers: list[dict]) -> None:
    now = dt.datetime.now(dt.UTC)
    by_seller: dict[int, list[tuple[int, dict]]] = {}
    for index, offer in enumerate(offers):
        by_seller.setdefault(offer["seller"], []).append((index, offer))
    for seller_id, indexed in by_seller.items():
        first = [replace(_fields(row), price_cents=_dearer(row["price_cents"])) if _was_dearer(index)
                 else _fields(row) for index, row in indexed]
        await listings.apply_offers(seller_id, first, now=now - dt.timedelta(days=LISTED_DAYS_AGO))
        reduced = [_fields(row) for index, row in indexed if _was_dearer(index)]
        if reduced:
            await listings.apply_offers(seller_id, reduced, now=now - dt.timedelta(days=REDUCED_DAYS_AGO))
        ids = {o["sku"]: o["id"] for o in await Offer.select(Offer.id, Offer.sku).where(Offer.seller == seller_id)}
        for _, row in indexed:
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
