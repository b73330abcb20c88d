"""The availability rule and its SQL form agree on every combination of offer status, stock, seller status and
product dereferencing, on a database of their own (SQLite always, PostgreSQL when it answers)."""
from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from piccolo.engine.base import Engine

from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.db import make_engine
from storefront.sellers.availability import (
    Availability,
    Unavailable,
    availability,
    buyable_offer_clause,
    buyable_offer_sql,
    listed_offer_clause,
    product_gone,
)
from storefront.sellers.tables import Offer, Seller
from tests.conftest import _postgres_available

TABLES = (Category, Brand, ProductModel, Variant, Seller, Offer)
OFFER_STATUSES = ("active", "removed", "paused")
STOCKS = (0, 1, 3)
SELLER_STATUSES = ("pending", "referenced", "dereferenced")
DEREFERENCED = (False, True)


@pytest.mark.parametrize(("offer", "seller", "dereferenced", "expected"), [
    ({"status": "active", "stock": 3}, "referenced", False, Availability(True, True, 3, None)),
    ({"status": "active", "stock": 0}, "referenced", False, Availability(True, False, 0, Unavailable.OUT_OF_STOCK)),
    ({"status": "paused", "stock": 3}, "referenced", False, Availability(False, False, 0, Unavailable.OFFER_PAUSED)),
    ({"status": "removed", "stock": 3}, "referenced", False,
     Availability(False, False, 0, Unavailable.OFFER_REMOVED)),
    ({"status": "active", "stock": 3}, "pending", False,
     Availability(False, False, 0, Unavailable.SELLER_NOT_REFERENCED)),
    ({"status": "active", "stock": 3}, "dereferenced", False,
     Availability(False, False, 0, Unavailable.SELLER_DEREFERENCED)),
    ({"status": "active", "stock": 3}, "referenced", True,
     Availability(False, False, 0, Unavailable.PRODUCT_DEREFERENCED)),
    ({"status": "removed", "stock": 0}, "dereferenced", True,
     Availability(False, False, 0, Unavailable.PRODUCT_DEREFERENCED)),
])
def test_the_rule_says_whether_how_many_and_why(offer: dict, seller: str, dereferenced: bool,
                                                expected: Availability) -> None:
    assert availability(offer, {"status": seller}, {"is_dereferenced": dereferenced}) == expected


@pytest.mark.parametrize(("dereferenced", "sellers", "gone"), [
    (False, [], False), (False, ["referenced"], False), (False, ["dereferenced", "pending"], False),
    (False, ["dereferenced", "dereferenced"], True), (True, ["referenced"], True), (True, [], True),
])
def test_a_product_is_gone_when_dereferenced_or_offered_only_by_dereferenced_sellers(
        dereferenced: bool, sellers: list[str], gone: bool) -> None:
    assert product_gone({"is_dereferenced": dereferenced}, [{"status": s} for s in sellers]) is gone


@pytest.fixture(params=["sqlite", "postgres"])
async def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Engine]:
    """The six tables the rule reads, alone in a fresh database; the store's tables point there meanwhile."""
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"encore_availability_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'availability.sqlite3'}")
    else:
        if not _postgres_available():
            pytest.skip("no PostgreSQL at 127.0.0.1:5432")
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        engine = make_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
    previous = {table: table._meta.db for table in TABLES}
    try:
        for table in TABLES:
            table._meta.db = engine
            await table.create_table()
        yield engine
    finally:
        for table, old in previous.items():
            table._meta.db = old
        if request.param == "postgres":
            subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


async def test_the_sql_clauses_agree_with_the_rule_on_every_combination(own_database: Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    category = Category(name="Phones", slug="phones")
    await category.save()
    brand = Brand(name="Acme", slug="acme")
    await brand.save()
    expected: dict[int, Availability] = {}
    for seller_status in SELLER_STATUSES:
        seller = Seller(name=seller_status, slug=f"seller-{seller_status}", status=seller_status, joined_at=now)
        await seller.save()
        for dereferenced in DEREFERENCED:
            slug = f"model-{seller_status}-{dereferenced}"
            model = ProductModel(name=slug, slug=slug, brand=brand.id, category=category.id,
                                 is_dereferenced=dereferenced)
            await model.save()
            variant = Variant(model=model.id, slug=slug, color="Black")
            await variant.save()
            for offer_status, stock in itertools.product(OFFER_STATUSES, STOCKS):
                offer = Offer(seller=seller.id, variant=variant.id, grade="good", price_cents=10_000,
                              stock=stock, status=offer_status, updated_at=now)
                await offer.save()
                expected[offer.id] = availability({"status": offer_status, "stock": stock},
                                                  {"status": seller_status}, {"is_dereferenced": dereferenced})
    assert len(expected) == 54

    async def ids(clause) -> set[int]:
        return {row["id"] for row in await Offer.select(Offer.id).where(clause)}

    assert await ids(listed_offer_clause()) == {i for i, a in expected.items() if a.shown}
    assert await ids(buyable_offer_clause()) == {i for i, a in expected.items() if a.buyable}
    for quantity in (1, 2, 3, 4):
        assert await ids(buyable_offer_clause(quantity)) == {i for i, a in expected.items()
                                                             if a.max_quantity >= quantity}, quantity
    # The search fallback's hand-written query says the same through buyable_offer_sql().
    raw = await Offer.raw(
        f"SELECT o.id AS id FROM {Offer._meta.tablename} o JOIN {Seller._meta.tablename} s ON s.id = o.seller"
        f" JOIN {Variant._meta.tablename} v ON v.id = o.variant JOIN {ProductModel._meta.tablename} m"
        f" ON m.id = v.model WHERE {buyable_offer_sql()}")
    assert {row["id"] for row in raw} == {i for i, a in expected.items() if a.buyable}
    # Placement takes stock with the clause in an UPDATE: the same rows, and only those, are touched.
    taken = await Offer.update({Offer.stock: Offer.stock - 1}).where(buyable_offer_clause()).returning(Offer.id)
    assert {row["id"] for row in taken} == {i for i, a in expected.items() if a.buyable}
    # The table is not trivially split: of 54 offers, 3 are listed and 2 of those can be bought.
    assert sum(a.shown for a in expected.values()) == 3 and sum(a.buyable for a in expected.values()) == 2
