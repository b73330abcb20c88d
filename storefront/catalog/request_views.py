"""What the seller portal and the console read about catalogue requests, as plain data.

A seller sees its own requests only: another seller's answers NotFound, exactly like a missing one.
"""
from __future__ import annotations

from typing import Any

from storefront.catalog import queries
from storefront.catalog.states import CatalogueRequestStatus
from storefront.catalog.tables import CatalogueRequest
from storefront.errors import NotFound
from storefront.sellers.tables import Seller

QUEUE_LIMIT = 200


def _columns() -> tuple:
    return (*CatalogueRequest.all_columns(), CatalogueRequest.category.name.as_alias("category_name"),
            CatalogueRequest.variant.slug.as_alias("variant_slug"))


async def seller_requests(seller_id: int) -> list[dict[str, Any]]:
    """The seller's requests, newest first."""
    return await CatalogueRequest.select(*_columns()).where(CatalogueRequest.seller_id == seller_id).order_by(
        CatalogueRequest.id, ascending=False)


async def seller_request(seller_id: int, request_id: int) -> dict[str, Any]:
    row = await CatalogueRequest.select(*_columns()).where(
        (CatalogueRequest.id == request_id) & (CatalogueRequest.seller_id == seller_id)).first()
    if row is None:
        raise NotFound(request_id)
    return row


async def request_queue(status: str) -> list[dict[str, Any]]:
    """Requests in one state with their seller's name: pending ones oldest first (first asked, first answered),
    decided ones newest first."""
    pending = status == CatalogueRequestStatus.pending
    rows = await CatalogueRequest.select(*_columns()).where(CatalogueRequest.status == status).order_by(
        CatalogueRequest.id, ascending=pending).limit(QUEUE_LIMIT)
    names = await seller_names({row["seller_id"] for row in rows})
    return [{**row, "seller_name": names.get(row["seller_id"], "")} for row in rows]


async def queue_counts() -> dict[str, int]:
    return {status.value: await CatalogueRequest.count().where(CatalogueRequest.status == status)
            for status in CatalogueRequestStatus}


async def request_for_operator(request_id: int) -> dict[str, Any]:
    row = await CatalogueRequest.select(*_columns()).where(CatalogueRequest.id == request_id).first()
    if row is None:
        raise NotFound(request_id)
    seller = await Seller.select(Seller.id, Seller.name, Seller.status).where(Seller.id == row["seller_id"]).first()
    return {**row, "seller": seller}


async def seller_names(seller_ids: set[int]) -> dict[int, str]:
    if not seller_ids:
        return {}
    return {s["id"]: s["name"] for s in await Seller.select(Seller.id, Seller.name).where(
        Seller.id.is_in(list(seller_ids)))}


async def category_choices() -> list[dict[str, Any]]:
    """Every category, indented under its parent, for the request form's list."""
    categories = await queries.categories_in_order()
    by_parent: dict[int | None, list[dict[str, Any]]] = {}
    for category in categories:
        by_parent.setdefault(category["parent"], []).append(category)
    choices: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for category in by_parent.get(parent, []):
            choices.append({"id": category["id"], "label": ("— " * depth) + category["name"]})
            if depth < 5:
                walk(category["id"], depth + 1)

    walk(None, 0)
    return choices
