"""Database engines: SQLite (embedded default) and PostgreSQL (production), chosen by DATABASE_URL.

SQLite runs in WAL mode with a busy timeout so that readers never block the one writer and a
writer waits for its turn instead of failing with "database is locked".
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_BUSY_TIMEOUT_SECONDS = 15


class WalSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with the per-connection settings WAL mode wants.

    `synchronous=NORMAL` is safe in WAL mode (a power cut can lose the last commits, never corrupt the
    file) and saves an fsync per commit; SQLite forgets it on every new connection, hence here.
    """

    async def get_connection(self):
        connection = await super().get_connection()
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        enable_wal(path)
        return WalSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    if database_url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": database_url})
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {database_url[:20]!r}")


def enable_wal(path: Path) -> None:
    """WAL is a property of the file, so setting it once when the engine is made is enough."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def app_tables() -> list[type]:
    """Every table of the store's Piccolo apps."""
    from piccolo.conf.apps import Finder

    return Finder().get_table_classes()


def bind_tables(engine: Engine) -> dict[type, Engine]:
    """Points every table at `engine` and returns the previous engines, for tests that run one store on
    SQLite and another on PostgreSQL in the same process."""
    previous = {}
    for table in app_tables():
        previous[table] = table._meta.db
        table._meta.db = engine
    return previous


def write_transaction(engine: Engine):
    """A transaction that takes SQLite's write lock at BEGIN (IMMEDIATE), so two writers queue on the busy
    timeout instead of one failing when it upgrades a read lock. PostgreSQL needs nothing special."""
    if isinstance(engine, SQLiteEngine):
        from piccolo.engine.sqlite import TransactionType

        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def is_unique_violation(error: BaseException) -> bool:
    """A unique index refused the row: on both engines, the sign that another writer got there first."""
    from asyncpg.exceptions import UniqueViolationError

    return isinstance(error, UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error))
