"""Database engines: SQLite (embedded default) and PostgreSQL (production), chosen by DATABASE_URL.

SQLite runs in WAL mode with a busy timeout so that readers never block the one writer and a
writer waits for its turn instead of failing with "database is locked".

Each worker keeps its connections open: asyncpg's pool for PostgreSQL, and for SQLite a small pool of
aiosqlite connections per event loop (see `SQLitePool`). Piccolo's own SQLite engine opens a connection,
and a thread, for every query, and each new connection re-reads the schema.
"""
from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.query.methods.select import Select
from piccolo.querystring import QueryString
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_SECONDS = 15
# How long a query waits for a pooled connection before giving up with an error rather than hanging.
POOL_ACQUIRE_TIMEOUT_SECONDS = 30
# SQLite's RETURNING clause, which lets an INSERT return its primary key in the same statement.
_HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35)


class PoolClosed(RuntimeError):
    """The pool was closed while someone still wanted a connection from it."""


class SQLitePool:
    """Up to `size` open aiosqlite connections, lent one at a time.

    Belongs to one event loop: its semaphore does, and so do the futures of the connections' threads.
    A borrower that waits longer than POOL_ACQUIRE_TIMEOUT_SECONDS gets an error instead of hanging.
    """

    def __init__(self, engine: WalSQLiteEngine, size: int) -> None:
        if size < 1:
            raise ValueError(f"a connection pool needs at least one connection, not {size}")
        self.engine = engine
        self.size = size
        self._idle: list[aiosqlite.Connection] = []
        self._lent: set[aiosqlite.Connection] = set()
        self._free = asyncio.Semaphore(size)
        self._closed = False

    async def acquire(self) -> aiosqlite.Connection:
        if self._closed:
            raise PoolClosed("the SQLite connection pool is closed")
        if self._free.locked():
            # wait_for costs a task per call: only a borrower that really has to wait pays for it.
            try:
                await asyncio.wait_for(self._free.acquire(), POOL_ACQUIRE_TIMEOUT_SECONDS)
            except TimeoutError:
                raise TimeoutError(
                    f"no pooled SQLite connection was free for {POOL_ACQUIRE_TIMEOUT_SECONDS} s") from None
        else:
            await self._free.acquire()
        try:
            connection = self._idle.pop() if self._idle else await self.engine.open_connection()
        except BaseException:
            self._free.release()
            raise
        self._lent.add(connection)
        return connection

    def lent(self, connection: aiosqlite.Connection) -> bool:
        return connection in self._lent

    async def release(self, connection: aiosqlite.Connection, *, reusable: bool = True) -> None:
        """Back to the pool, unless it failed half-way or is still inside a transaction: then it is closed,
        so the next borrower never inherits an open transaction or a half-read cursor."""
        self._lent.discard(connection)
        try:
            if reusable and not self._closed and not connection.in_transaction:
                self._idle.append(connection)
            else:
                await connection.close()
        except (sqlite3.Error, ValueError):
            # Already closed or broken: either way it is not coming back.
            pass
        finally:
            self._free.release()

    async def close(self) -> None:
        """Closes the idle connections now; those still lent are closed when they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()


class PooledSQLiteTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on a connection of its own for its whole duration, borrowed from the
    pool of the running loop (or opened for it when there is none) and given back afterwards."""

    engine: WalSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.engine.borrow_connection()
        try:
            await self.begin()
        except BaseException:
            # BEGIN IMMEDIATE can time out waiting for the write lock: the connection must not leak.
            await self.engine.give_back_connection(self.connection, reusable=False)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        finished = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
            finished = True
        finally:
            self.engine.current_transaction.reset(self.context)
            await self.engine.give_back_connection(self.connection, reusable=finished)
        return exception is None


class WalSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with the per-connection settings WAL mode wants and a connection pool.

    Each connection gets its pragmas once, when it is opened: `synchronous=NORMAL` is safe in WAL mode (a
    power cut can lose the last commits, never corrupt the file) and saves an fsync per commit; SQLite
    forgets it, like `foreign_keys` and the busy timeout, on every new connection.

    `open_pool()` gives the running event loop a pool (the app's lifespan does); queries and transactions
    in that loop borrow from it. Without one (manage.py commands, tests outside the app) each query opens
    and closes a connection of its own, as Piccolo does.
    """

    def __init__(self, path: str, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        # Keyed by loop: a pool is never used from a loop other than the one that opened it (the test
        # client runs each app on a loop of its own).
        self._pools: dict[asyncio.AbstractEventLoop, SQLitePool] = {}

    async def open_connection(self) -> aiosqlite.Connection:
        """A new connection with every pragma this store relies on."""
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        timeout_ms = int(float(self.connection_kwargs.get("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)) * 1000)
        try:
            for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                           f"PRAGMA busy_timeout = {timeout_ms}", "PRAGMA foreign_keys = 1"):
                await connection.execute_fetchall(pragma)
        except BaseException:
            await connection.close()  # its thread would outlive it otherwise
            raise
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        """Piccolo's entry point for a connection it closes itself (batches)."""
        return await self.open_connection()

    def _pool(self) -> SQLitePool | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._pools.get(loop)

    async def open_pool(self, size: int) -> None:
        """Keep up to `size` connections open for the running event loop, until `close_pool()`."""
        loop = asyncio.get_running_loop()
        if loop in self._pools:
            raise RuntimeError("this event loop already has a SQLite connection pool")
        # A loop that ended without closing its pool (a crashed test) must not be kept alive here.
        for gone in [other for other in self._pools if other.is_closed()]:
            del self._pools[gone]
        self._pools[loop] = SQLitePool(self, size)

    async def close_pool(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()

    async def borrow_connection(self) -> aiosqlite.Connection:
        pool = self._pool()
        return await pool.acquire() if pool else await self.open_connection()

    async def give_back_connection(self, connection: aiosqlite.Connection, *, reusable: bool = True) -> None:
        pool = self._pool()
        if pool is not None and pool.lent(connection):
            await pool.release(connection, reusable=reusable)
        else:
            # Opened without a pool (or lent by one since closed): it was this borrower's alone.
            await connection.close()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic", table: Any = None) -> Any:
        """Outside a transaction: a pooled connection in autocommit mode, so the statement commits alone."""
        connection = await self.borrow_connection()
        finished = False
        try:
            response = await self._run_in_existing_connection(connection, query, args, query_type, table)
            finished = True
            return response
        finally:
            await self.give_back_connection(connection, reusable=finished)

    async def _run_in_existing_connection(self, connection: aiosqlite.Connection, query: str,
                                          args: list[Any] | None = None, query_type: str = "generic",
                                          table: Any = None) -> Any:
        """One round trip to the connection's thread. Piccolo's own version also re-runs
        `PRAGMA foreign_keys` and opens a cursor in three more; the pragma is set once, at opening."""
        if query_type == "insert" and not _HAS_RETURNING:
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        return await connection.execute_fetchall(query, args or [])


class _Value:
    """Stands for the n-th value of a prepared select while Piccolo composes its SQL."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class PreparedSelect:
    """A Piccolo select composed once and run many times with new values.

    Composing a select with joins costs Piccolo most of a millisecond, several times what SQLite takes to
    answer it, and a hot page's queries differ only by their values. `compose` receives one stand-in per
    value and returns the select; its SQL is flattened once per kind of engine, then each run puts the values
    in (as they are: plain strings and numbers, no conversion) and lets the select shape the rows as usual.
    """

    def __init__(self, compose: Callable[..., Select]) -> None:
        self._compose = compose
        self._select: Select | None = None
        self._flat: dict[str, tuple[str, list[Any]]] = {}

    def _composed(self) -> Select:
        if self._select is None:
            arity = len(inspect.signature(self._compose).parameters)
            self._select = self._compose(*(_Value(index) for index in range(arity)))
        return self._select

    def _flatten(self, select: Select) -> tuple[str, list[Any]]:
        _, fragments, arguments = select.querystrings[0].bundle(start_index=1, bundled=[], combined_args=[])
        # One flat template with a {} per argument; braces in the SQL itself stay literal.
        template = "".join(fragment.prefix.replace("{", "{{").replace("}", "}}") + ("" if fragment.no_arg else "{}")
                           for fragment in fragments)
        return template, arguments

    async def run(self, *values: Any) -> list[dict[str, Any]]:
        select = self._composed()
        # The engine is read at every run (tests point the tables at PostgreSQL for a while), and Piccolo
        # writes some SQL differently for each kind.
        engine = select.table._meta.db
        flat = self._flat.get(engine.engine_type)
        if flat is None:
            flat = self._flat[engine.engine_type] = self._flatten(select)
        template, arguments = flat
        querystring = QueryString(template, *(values[a.index] if isinstance(a, _Value) else a for a in arguments),
                                  table=select.table)
        return await select._process_results(await engine.run_querystring(querystring, in_pool=True))


def make_engine(database_url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_SECONDS * 1000) -> Engine:
    """`busy_timeout_ms` (SQLite): how long a writer waits for the write lock before "database is locked",
    which the app answers with 503 and Retry-After (storefront.web.errors)."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        enable_wal(path)
        return WalSQLiteEngine(path=str(path), timeout=busy_timeout_ms / 1000)
    if database_url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": database_url})
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {database_url[:20]!r}")


async def open_pool(engine: Engine, size: int) -> None:
    """The worker's connections, opened once: asyncpg's pool on PostgreSQL, a SQLite pool for this loop."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=size, max_size=size)
    elif isinstance(engine, WalSQLiteEngine):
        await engine.open_pool(size)


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, WalSQLiteEngine):
        await engine.close_pool()
def enable_wal(path: Path) -> None:
    """WAL is a property of the file: set when the engine is made, before any pooled connection opens it
    (each connection asks again when it opens, which costs nothing once the file is in WAL mode)."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def app_tables() -> list[type[Table]]:
    """Every table of the store's Piccolo apps."""
    from piccolo.conf.apps import Finder

    return Finder().get_table_classes()


def bind_tables(engine: Engine) -> dict[type[Table], Engine]:
    """Points every table at `engine` and returns the previous engines, for tests that run one store on
    SQLite and another on PostgreSQL in the same process."""
    previous: dict[type[Table], Engine] = {}
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
