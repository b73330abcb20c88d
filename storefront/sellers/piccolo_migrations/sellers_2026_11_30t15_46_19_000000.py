"""Offers made before sellers could list had no SKU: each gets one from its id, so (seller, sku) can be unique.
Their current price becomes the first row of their price history, from when they were last changed.

A migration of its own because Piccolo runs a migration's raw steps before its column changes."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T15:46:19:000000"
VERSION = "1.38.0"
DESCRIPTION = "Existing offers get a SKU and a first price-history row; SKUs are unique per seller."

BACKFILL = [
    "UPDATE offer SET sku = 'ENC-' || CAST(id AS VARCHAR(20)), created_at = updated_at WHERE sku = ''",
    "INSERT INTO offer_price (offer, price_cents, currency, starts_at) "
    "SELECT id, price_cents, currency, updated_at FROM offer",
    "CREATE UNIQUE INDEX offer_seller_sku ON offer (seller, sku)",
    "CREATE INDEX offer_price_offer_starts_at ON offer_price (offer, starts_at)",
]
DROP = ["DROP INDEX offer_price_offer_starts_at", "DROP INDEX offer_seller_sku"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="sellers", description=DESCRIPTION)

    async def backfill() -> None:
        engine = engine_finder()
        for statement in BACKFILL:
            await engine.run_ddl(statement)

    async def drop_indexes() -> None:
        engine = engine_finder()
        for statement in DROP:
            await engine.run_ddl(statement)

    manager.add_raw(backfill)
    manager.add_raw_backwards(drop_indexes)
    return manager
