"""Loads a generated catalogue into the database, in batches, keeping the generator's ids."""
from __future__ import annotations

import json

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from storefront.catalog import queries
from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.demo.generate import DemoCatalogue
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
    await _insert(Offer, catalogue.offers)
    engine = Offer._meta.db
    if isinstance(engine, PostgresEngine):
        # Explicit ids do not move PostgreSQL's sequences; the next insert would collide without this.
        for table in (Category, Brand, ProductModel, Variant, Seller, Offer):
            name = table._meta.tablename
            await engine.run_ddl(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1)) FROM {name}"
            )


async def is_empty() -> bool:
    return await Variant.count() == 0
