"""Trade-in: one grid per refurbisher and model, one price per grid, storage and state (the database refuses a
second, so two imports at once cannot both add one)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T19:53:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique grids and grid prices."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tradein", description=DESCRIPTION)

    async def unique_indexes() -> None:
        engine = engine_finder()
        await engine.run_ddl("CREATE UNIQUE INDEX price_grid_seller_model ON price_grid (seller, model)")
        await engine.run_ddl("CREATE UNIQUE INDEX grid_price_grid_storage_state ON grid_price (grid, storage_gb, state)")

    manager.add_raw(unique_indexes)
    return manager
