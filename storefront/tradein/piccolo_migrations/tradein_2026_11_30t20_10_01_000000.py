"""One trade-in per quote token: a unique index (a separate step, after the column exists; SQLite cannot add a
UNIQUE column in place). Null hashes (trade-ins made otherwise) never collide."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T20:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique quote token hash."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tradein", description=DESCRIPTION)

    async def unique_index() -> None:
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX trade_in_quote_token_hash ON trade_in (quote_token_hash)")

    manager.add_raw(unique_index)
    return manager
