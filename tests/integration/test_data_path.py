"""The data path: each worker keeps its SQLite connections open in a pool, set up once per connection, and a
product page costs a handful of queries and no new connection once the worker is warm."""
from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import aiosqlite
import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.catalog.tables import Category
from storefront.db import WalSQLiteEngine, write_transaction
from storefront.settings import Settings

PRODUCT = "/p/apple-iphone-13-128-gb-midnight"


@dataclass
class DatabaseActivity:
    queries: list[str] = field(default_factory=list)
    connections_opened: int = 0

    def reset(self) -> None:
        self.queries.clear()
        self.connections_opened = 0


@pytest.fixture
def activity(monkeypatch: pytest.MonkeyPatch) -> Iterator[DatabaseActivity]:
    """Counts every query the store's SQLite engine runs and every connection aiosqlite opens, in any loop."""
    seen = DatabaseActivity()
    run_querystring, connect = WalSQLiteEngine.run_querystring, aiosqlite.connect

    async def counted_query(self, querystring, in_pool: bool = False):
        seen.queries.append(str(querystring))
        return await run_querystring(self, querystring, in_pool)

    def counted_connect(*args, **kwargs):
        seen.connections_opened += 1
        return connect(*args, **kwargs)

    monkeypatch.setattr(WalSQLiteEngine, "run_querystring", counted_query)
    monkeypatch.setattr(aiosqlite, "connect", counted_connect)
    yield seen


@pytest.fixture
async def client(prepared_store: Settings, backend) -> AsyncIterator[AsyncTestClient]:
    """The app without its timers, so that only the pages' own queries are counted."""
    quiet = dataclasses.replace(prepared_store, jobs_interval_seconds=0, active_recipients_flush_seconds=0)
    async with AsyncTestClient(app=create_app(quiet, backend)) as test_client:
        yield test_client


def engine() -> WalSQLiteEngine:
    db = Category._meta.db
    assert isinstance(db, WalSQLiteEngine)
    return db


async def test_a_warm_product_page_needs_at_most_four_queries_and_no_new_connection(
        client: AsyncTestClient, activity: DatabaseActivity) -> None:
    assert (await client.get(PRODUCT)).status_code == 200  # warm-up: the pool fills, start-up reads are done
    activity.reset()
    response = await client.get(PRODUCT)
    assert response.status_code == 200
    assert "Refurbished Apple iPhone 13" in response.text
    assert len(activity.queries) <= 4, "\n".join(activity.queries)
    assert activity.connections_opened == 0


async def test_many_pages_at_once_share_the_pool_without_opening_more(client: AsyncTestClient,
                                                                      activity: DatabaseActivity) -> None:
    await client.get(PRODUCT)
    activity.reset()
    for _ in range(3):
        for path in (PRODUCT, "/c/smartphones", "/search?q=iphone", "/"):
            assert (await client.get(path)).status_code == 200
    assert activity.connections_opened == 0


async def test_categories_and_brands_are_not_read_again_for_each_page(client: AsyncTestClient,
                                                                      activity: DatabaseActivity) -> None:
    for path in ("/", "/c/smartphones", "/search?q=iphone", PRODUCT):
        await client.get(path)
    activity.reset()
    for path in ("/", "/c/smartphones", "/search?q=iphone", PRODUCT):
        assert (await client.get(path)).status_code == 200
    assert not [q for q in activity.queries if 'FROM "category"' in q or 'FROM "brand"' in q], activity.queries


async def test_pooled_connections_carry_the_wal_settings(prepared_store: Settings) -> None:
    db = engine()
    await db.open_pool(2)
    try:
        for pragma, expected in (("journal_mode", "wal"), ("synchronous", 1), ("busy_timeout", 15_000),
                                 ("foreign_keys", 1)):
            rows = await Category.raw(f"PRAGMA {pragma}")
            assert [list(row.values()) for row in rows] == [[expected]], pragma
        async with db.transaction():
            assert await Category.raw("PRAGMA synchronous") == [{"synchronous": 1}]
    finally:
        await db.close_pool()


async def test_without_a_pool_each_query_still_gets_the_settings(prepared_store: Settings,
                                                                activity: DatabaseActivity) -> None:
    # manage.py commands and tests outside the app: no pool in this loop, a connection per query.
    assert await Category.raw("PRAGMA synchronous") == [{"synchronous": 1}]
    assert await Category.raw("PRAGMA foreign_keys") == [{"foreign_keys": 1}]
    assert activity.connections_opened == 2


async def test_a_pool_reuses_its_connections_and_closes_them_with_it(prepared_store: Settings,
                                                                     activity: DatabaseActivity) -> None:
    db = engine()
    await db.open_pool(2)
    try:
        for _ in range(10):
            await Category.select(Category.id).first()
        await asyncio.gather(*(Category.select(Category.id).first() for _ in range(6)))
        assert activity.connections_opened == 2
    finally:
        await db.close_pool()
    await Category.select(Category.id).first()
    assert activity.connections_opened == 3  # closed with its pool: the next query opens its own


class RollBack(Exception):
    pass


async def test_a_transaction_has_its_connection_to_itself(prepared_store: Settings) -> None:
    db = engine()
    await db.open_pool(2)
    seen: dict[str, dict] = {}
    try:
        with pytest.raises(RollBack):
            async with db.transaction():
                await Category.update({Category.name: "Renamed inside"}).where(Category.slug == "audio")
                seen["inside"] = await Category.select(Category.name).where(Category.slug == "audio").first()

                async def from_elsewhere() -> dict:
                    # Outside the transaction: borrows the pool's other connection, which cannot see the change.
                    db.current_transaction.set(None)
                    return await Category.select(Category.name).where(Category.slug == "audio").first()

                seen["outside"] = await asyncio.create_task(from_elsewhere())
                raise RollBack
        assert seen == {"inside": {"name": "Renamed inside"}, "outside": {"name": "Audio"}}
        assert await Category.select(Category.name).where(Category.slug == "audio").first() == {"name": "Audio"}
    finally:
        await db.close_pool()


async def test_a_failed_transaction_gives_back_a_clean_connection(prepared_store: Settings,
                                                                 activity: DatabaseActivity) -> None:
    db = engine()
    await db.open_pool(1)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction():
                await Category.update({Category.name: "Half done"}).where(Category.slug == "audio")
                await Category.insert(Category(name="Twin", slug="audio", position=99))
        # The one pooled connection is not left inside the failed transaction: the change is gone.
        assert await Category.select(Category.name).where(Category.slug == "audio").first() == {"name": "Audio"}
    finally:
        await db.close_pool()


async def test_write_transaction_takes_the_write_lock_at_begin(prepared_store: Settings) -> None:
    db = engine()
    await db.open_pool(2)
    try:
        async with write_transaction(db):
            # Nothing written yet, and still another writer must wait: the lock was taken by BEGIN IMMEDIATE.
            other = sqlite3.connect(db.path, timeout=0.05, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    finally:
        await db.close_pool()


async def test_a_product_without_reviews_does_not_ask_for_a_page_of_them(client: AsyncTestClient,
                                                                        activity: DatabaseActivity) -> None:
    rows = await Category.raw(
        "SELECT v.slug FROM variant v JOIN product_model m ON m.id = v.model WHERE NOT m.is_dereferenced"
        " AND v.model NOT IN (SELECT model FROM review WHERE status = 'published')"
        " AND EXISTS (SELECT 1 FROM offer o WHERE o.variant = v.id AND o.status = 'active' AND o.stock > 0)"
        " ORDER BY v.id LIMIT 1")
    path = f"/p/{rows[0]['slug']}"
    await client.get(path)
    activity.reset()
    assert (await client.get(path)).status_code == 200
    assert len(activity.queries) == 3, "\n".join(activity.queries)
    assert not [q for q in activity.queries if "LIMIT" in q and '"review"' in q]
