"""A refurbisher's trade-in programme and price grids: on/off, one grid per product model, a price per storage ×
condition state (empty: not bought), pause and resume. Money in integer cents; refusals are `Refused`."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storefront.catalog.tables import ProductModel, Variant
from storefront.db import write_transaction
from storefront.errors import NotFound, refuse_if
from storefront.tradein.states import ConditionState
from storefront.tradein.tables import GridPrice, PriceGrid, TradeInProgram
from storefront.units import money, parse_euros

# A trade-in price above this is a typing slip (no used phone, tablet or laptop is bought for more).
PRICE_MAX_CENTS = 5_000_00
PRICE_MIN_CENTS = 1_00
STATES = tuple(ConditionState)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def cell_name(storage_gb: int, state: str) -> str:
    """The form field of one price: `price_128_functional_good`."""
    return f"price_{storage_gb}_{state}"


def price_problem(text: str) -> str | None:
    """Why a typed price cannot be kept, or None (empty means "not bought")."""
    if not text.strip():
        return None
    cents = parse_euros(text)
    if cents is None:
        return "Give the price in euros, such as 150 or 149.50, or leave it empty."
    if not PRICE_MIN_CENTS <= cents <= PRICE_MAX_CENTS:
        return f"From {money(PRICE_MIN_CENTS)} to {money(PRICE_MAX_CENTS)}, or empty if you do not buy it."
    return None


@dataclass(frozen=True)
class GridInput:
    """The grid form as typed: the model and one text per storage × state cell."""

    model_id: int | None
    storages: tuple[int, ...]
    prices: Mapping[str, str]  # cell_name → text as typed

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.model_id is None:
            found["model"] = "Choose the model this grid prices."
        for storage in self.storages:
            for state in STATES:
                name = cell_name(storage, state)
                problem = price_problem(self.prices.get(name, ""))
                if problem:
                    found[name] = problem
        return found

    def cents(self) -> dict[tuple[int, str], int]:
        """(storage, state) → cents, for the cells that hold a price."""
        kept: dict[tuple[int, str], int] = {}
        for storage in self.storages:
            for state in STATES:
                text = self.prices.get(cell_name(storage, state), "")
                cents = parse_euros(text) if text.strip() else None
                if cents is not None:
                    kept[(storage, state.value)] = cents
        return kept


async def program_enabled(seller_id: int) -> bool:
    row = await TradeInProgram.select(TradeInProgram.enabled).where(TradeInProgram.seller == seller_id).first()
    return bool(row and row["enabled"])


async def set_program(seller_id: int, enabled: bool) -> None:
    """Turns the programme on or off; turning it off keeps the grids and every open trade-in."""
    async with write_transaction(TradeInProgram._meta.db):
        updated = await TradeInProgram.update({TradeInProgram.enabled: enabled, TradeInProgram.updated_at: _now()}
                                              ).where(TradeInProgram.seller == seller_id).returning(TradeInProgram.id)
        if not updated:
            await TradeInProgram.insert(TradeInProgram(seller=seller_id, enabled=enabled, updated_at=_now()))


async def model_storages(model_id: int) -> tuple[int, ...]:
    """The storages the catalogue knows for the model (0 when its variants have none, like some laptops)."""
    rows = await Variant.select(Variant.storage_gb).where(Variant.model == model_id).distinct()
    sizes = sorted({row["storage_gb"] or 0 for row in rows})
    return tuple(sizes) or (0,)


async def model_named(model_id: int) -> dict[str, Any] | None:
    return await ProductModel.select(ProductModel.id, ProductModel.name, ProductModel.slug).where(
        ProductModel.id == model_id).first()


async def grid_of(seller_id: int, model_id: int) -> dict[str, Any] | None:
    return await PriceGrid.select().where((PriceGrid.seller == seller_id) & (PriceGrid.model == model_id)).first()


async def grid_prices(grid_id: int) -> dict[tuple[int, str], int]:
    rows = await GridPrice.select().where(GridPrice.grid == grid_id)
    return {(row["storage_gb"], row["state"]): row["price_cents"] for row in rows}


async def write_prices(seller_id: int, model_id: int, prices: Mapping[tuple[int, str], int | None]) -> int:
    """Sets the model's grid cells inside the caller's transaction (None removes a cell); makes the grid if
    needed; returns its id."""
    grid = await grid_of(seller_id, model_id)
    if grid is None:
        made = await PriceGrid.insert(PriceGrid(seller=seller_id, model=model_id, paused=False, updated_at=_now())
                                      ).returning(PriceGrid.id)
        grid_id = made[0]["id"]
    else:
        grid_id = grid["id"]
        await PriceGrid.update({PriceGrid.updated_at: _now()}).where(PriceGrid.id == grid_id)
    for (storage, state), cents in prices.items():
        where = (GridPrice.grid == grid_id) & (GridPrice.storage_gb == storage) & (GridPrice.state == state)
        if cents is None:
            await GridPrice.delete().where(where)
        elif not await GridPrice.update({GridPrice.price_cents: cents}).where(where).returning(GridPrice.id):
            await GridPrice.insert(GridPrice(grid=grid_id, storage_gb=storage, state=state, price_cents=cents))
    return grid_id


async def save_grid(seller_id: int, grid: GridInput) -> int:
    """The form's whole grid: every cell of every storage is set or emptied, in one transaction."""
    refuse_if(grid.problems())
    assert grid.model_id is not None
    if await model_named(grid.model_id) is None:
        refuse_if({"model": "This model is not in the catalogue."})
    kept = grid.cents()
    cells: dict[tuple[int, str], int | None] = {
        (storage, state.value): kept.get((storage, state.value)) for storage in grid.storages for state in STATES}
    async with write_transaction(PriceGrid._meta.db):
        return await write_prices(seller_id, grid.model_id, cells)


async def set_paused(seller_id: int, model_id: int, paused: bool) -> None:
    """A paused grid quotes nothing; its prices stay."""
    async with write_transaction(PriceGrid._meta.db):
        done = await PriceGrid.update({PriceGrid.paused: paused, PriceGrid.updated_at: _now()}).where(
            (PriceGrid.model == model_id) & (PriceGrid.seller == seller_id)).returning(PriceGrid.id)
    if not done:
        raise NotFound(model_id)


async def seller_grids(seller_id: int) -> list[dict[str, Any]]:
    """The seller's grids, by model name, with how many prices each holds."""
    grids = await PriceGrid.select(PriceGrid.id, PriceGrid.paused, PriceGrid.updated_at, PriceGrid.model,
                                   PriceGrid.model.name.as_alias("model_name"),
                                   PriceGrid.model.slug.as_alias("model_slug")).where(PriceGrid.seller == seller_id)
    counts: dict[int, int] = {}
    if grids:
        for row in await GridPrice.select(GridPrice.grid).where(GridPrice.grid.is_in([g["id"] for g in grids])):
            counts[row["grid"]] = counts.get(row["grid"], 0) + 1
    return sorted(({**g, "prices": counts.get(g["id"], 0)} for g in grids), key=lambda g: g["model_name"])


async def all_prices(seller_id: int) -> list[dict[str, Any]]:
    """Every price of the seller's grids, for the CSV export: model slug, storage, state, cents."""
    rows = await GridPrice.select(GridPrice.storage_gb, GridPrice.state, GridPrice.price_cents,
                                  GridPrice.grid._.model._.slug.as_alias("model_slug")).where(
        GridPrice.grid.seller == seller_id)
    return sorted(rows, key=lambda r: (r["model_slug"], r["storage_gb"], STATES.index(ConditionState(r["state"]))))


async def find_models(text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Models whose name holds the text, for the new-grid picker."""
    query = ProductModel.select(ProductModel.id, ProductModel.name).order_by(ProductModel.name).limit(limit)
    if text.strip():
        query = query.where(ProductModel.name.ilike(f"%{text.strip()[:80]}%"))
    return await query
