"""Accounts made before sign-ups were confirmed by e-mail count as confirmed: their owners signed in already."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T13:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Existing accounts are confirmed from their creation."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def confirm_existing() -> None:
        await engine_finder().run_ddl("UPDATE account SET confirmed_at = created_at WHERE confirmed_at IS NULL")

    manager.add_raw(confirm_existing)
    return manager
