"""The audit log is append-only in the database itself, not only in the console: a trigger refuses every
UPDATE and DELETE on audit_entry, whoever connects."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T21:33:48:355699"
VERSION = "1.38.0"
DESCRIPTION = "Refuse UPDATE and DELETE on the audit log with database triggers."

SQLITE = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
POSTGRES = [
    "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    # TRUNCATE skips row triggers; it needs its own.
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
]
SQLITE_DOWN = ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"]
POSTGRES_DOWN = ["DROP TRIGGER audit_entry_no_change ON audit_entry",
                 "DROP TRIGGER audit_entry_no_truncate ON audit_entry", "DROP FUNCTION audit_entry_append_only()"]


async def _run(sqlite: list[str], postgres: list[str]) -> None:
    engine = engine_finder()
    for statement in sqlite if engine.engine_type == "sqlite" else postgres:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="moderation", description=DESCRIPTION)

    async def append_only() -> None:
        await _run(SQLITE, POSTGRES)

    async def editable_again() -> None:
        await _run(SQLITE_DOWN, POSTGRES_DOWN)

    manager.add_raw(append_only)
    manager.add_raw_backwards(editable_again)
    return manager
