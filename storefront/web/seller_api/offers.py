"""The seller API's offers, each addressed by the seller's own SKU: list, create, read, replace, pause or
resume, delete; and new prices and stock for up to 1,000 offers at once, all or nothing.

Every write goes through the listing service (storefront.sellers.listings), the one the portal's form and the
CSV import use, so an offer keeps the same rules whichever door it comes through; reads come from
storefront.sellers.listing_views. Another seller's SKU, a deleted offer's or a missing one answers 404. A rule
broken answers 422 with one entry per field at fault, named as in the request body (`/changes/3/price_cents`).

A SKU may hold `/` (storefront.sellers.listings.SKU_SHAPE), so the path takes the rest of the address as the
SKU. One consequence: `stock-and-prices` is a batch, never a SKU (it is addressed with POST, which no single
offer takes).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import msgspec
from litestar import delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from storefront.errors import Refused
from storefront.orders.transitions import TransitionError
from storefront.sellers import listing_views, listings
from storefront.sellers.listings import ListingRules, OfferFields, StockPriceChange
from storefront.settings import Settings
from storefront.web.seller_api.problems import problem_responses

Grade = Literal["premium", "excellent", "good", "fair"]
PaymentMeans = Literal["card", "paypal", "instalments", "bank_transfer"]
OfferState = Literal["active", "paused", "removed"]
StatusFilter = Literal["on_sale", "paused", "out_of_stock", "removed"]
Sort = Literal["updated", "name", "price", "-price", "stock", "sku"]
# Integers the database can hold; the listing rules then say what a seller may set (422 otherwise).
Whole = Annotated[int, msgspec.Meta(ge=0, le=2_147_483_647)]
Sku = Annotated[str, msgspec.Meta(max_length=200)]
READ_PROBLEMS = problem_responses(400, 401, 404, 429, 503)
WRITE_PROBLEMS = problem_responses(400, 401, 404, 409, 422, 429, 503)
TAGS = ["offers"]


class Offer(msgspec.Struct):
    sku: str
    id: int
    variant_id: int
    ean: str
    title: str
    grade: str
    price_cents: int
    currency: str
    stock: int
    shipping_cents: int
    delivery_days: int
    warranty_months: int
    battery_health_pct: int
    new_battery: bool
    payment_means: list[str]
    condition_note: str
    status: OfferState
    on_sale: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime


class OfferList(msgspec.Struct):
    offers: list[Offer]
    total: int
    page: int
    pages: int
    per_page: int


class OfferInput(msgspec.Struct, kw_only=True):
    """Every field of an offer but its SKU, as a seller sets it (DOMAIN.md, "Listings"). Prices in cents of
    euros, VAT included; delivery in working days; the warranty in months."""

    variant_id: Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647)]
    grade: Grade
    price_cents: Whole
    stock: Whole
    shipping_cents: Whole = 0
    delivery_days: Whole = 3
    warranty_months: Whole = 12
    battery_health_pct: Whole = 85
    new_battery: bool = False
    payment_means: Annotated[list[PaymentMeans], msgspec.Meta(min_length=1, max_length=4)] = msgspec.field(
        default_factory=lambda: ["card"])
    condition_note: Annotated[str, msgspec.Meta(max_length=2_000)] = ""


class NewOffer(OfferInput, kw_only=True):
    sku: Sku


class StatusChange(msgspec.Struct):
    """`paused` takes the offer off sale until it is `active` again."""

    status: Literal["active", "paused"]


class StockPrice(msgspec.Struct):
    """A new price and/or a new stock for the offer with this SKU; a field left out keeps its value."""

    sku: Sku
    price_cents: Whole | None = None
    stock: Whole | None = None


class StockAndPrices(msgspec.Struct):
    changes: Annotated[list[StockPrice], msgspec.Meta(min_length=1, max_length=listings.MAX_BATCH)]


class StockAndPricesResult(msgspec.Struct):
    changed: int
    unchanged: int


def _offer(row: dict[str, Any]) -> Offer:
    return Offer(sku=row["sku"], id=row["id"], variant_id=row["variant"], ean=row["ean"] or "", title=row["title"],
                 grade=row["grade"], price_cents=row["price_cents"], currency=row["currency"], stock=row["stock"],
                 shipping_cents=row["shipping_cents"], delivery_days=row["delivery_days"],
                 warranty_months=row["warranty_months"], battery_health_pct=row["battery_health_pct"],
                 new_battery=bool(row["new_battery"]),
                 payment_means=[m for m in row["payment_means"].split(",") if m],
                 condition_note=row["description"], status=row["status"], on_sale=bool(row["on_sale"]),
                 created_at=row["created_at"], updated_at=row["updated_at"])


def _fields(sku: str, data: OfferInput) -> OfferFields:
    return OfferFields(sku=sku.strip(), variant_id=data.variant_id, grade=data.grade, price_cents=data.price_cents,
                       stock=data.stock, shipping_cents=data.shipping_cents, delivery_days=data.delivery_days,
                       warranty_months=data.warranty_months, battery_health_pct=data.battery_health_pct,
                       new_battery=data.new_battery, payment_means=tuple(data.payment_means),
                       condition_note=data.condition_note.strip())


# The listing service names fields as the portal's form does; the API's body names money in cents.
_BODY_NAMES = {"price": "price_cents", "shipping": "shipping_cents"}
_LAST_NAME = re.compile(r"(?P<head>^|\.)(?P<name>\w+)$")


def _body_name(field: str) -> str:
    if field == "form":
        return ""  # the request as a whole (the seller's shop is dereferenced)
    return _LAST_NAME.sub(lambda m: m["head"] + _BODY_NAMES.get(m["name"], m["name"]), field)


def _in_body_names(refused: Refused) -> Exception:
    """The refusal with the body's field names; a state that forbids the move is a conflict (409)."""
    if refused.field == "status":
        # Pausing or resuming an offer Encore removed: its state does not allow it.
        return TransitionError(refused.message)
    problems = {_body_name(field): message for field, message in refused.problems.items()}
    return Refused(_body_name(refused.field), refused.message, problems)


def _sku_of(path_value: str) -> str:
    return path_value.removeprefix("/")


@get("/offers", name="seller_api_offers", tags=TAGS, responses=READ_PROBLEMS, summary="List your offers",
     description="Your offers (deleted ones aside), searched by SKU, EAN, brand, model or colour (`q`), in a "
                 "state and a grade, in the order asked for.")
async def list_offers(seller_id: NamedDependency[int],
                      q: Annotated[str, QueryParameter(max_length=100)] = "",
                      status: StatusFilter | None = None, grade: Grade | None = None, sort: Sort = "updated",
                      page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
                      per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 25) -> OfferList:
    found = await listing_views.seller_offers(seller_id, query=q, status=status, grade=grade, sort=sort, page=page,
                                              per_page=per_page)
    return OfferList(offers=[_offer(row) for row in found.offers], total=found.total, page=found.page,
                     pages=found.pages, per_page=per_page)


@post("/offers", name="seller_api_offer_create", tags=TAGS, responses=WRITE_PROBLEMS, summary="Create an offer",
      description="A new offer, on sale at once if your shop is referenced. Its SKU must be new among yours.")
async def create_offer(data: JSONBody[NewOffer], seller_id: NamedDependency[int],
                       settings: NamedDependency[Settings]) -> Offer:
    try:
        offer_id = await listings.create_offer(seller_id, _fields(data.sku, data), ListingRules.from_settings(settings))
    except Refused as refused:
        raise _in_body_names(refused) from None
    return _offer(await listing_views.seller_offer(seller_id, offer_id))


@get("/offers/{sku:path}", name="seller_api_offer", tags=TAGS, responses=READ_PROBLEMS, summary="Read one offer")
async def read_offer(sku: str, seller_id: NamedDependency[int]) -> Offer:
    return _offer(await listing_views.seller_offer_by_sku(seller_id, _sku_of(sku)))


@put("/offers/{sku:path}", name="seller_api_offer_replace", tags=TAGS, responses=WRITE_PROBLEMS,
     summary="Replace an offer", description="Every field of the offer takes the value sent (a field left out "
                                             "takes its default); a new price is kept in its price history.")
async def replace_offer(sku: str, data: JSONBody[OfferInput], seller_id: NamedDependency[int],
                        settings: NamedDependency[Settings]) -> Offer:
    current = await listing_views.seller_offer_by_sku(seller_id, _sku_of(sku))
    try:
        await listings.update_offer(seller_id, current["id"], _fields(current["sku"], data),
                                    ListingRules.from_settings(settings))
    except Refused as refused:
        raise _in_body_names(refused) from None
    return _offer(await listing_views.seller_offer(seller_id, current["id"]))


@patch("/offers/{sku:path}", name="seller_api_offer_status", tags=TAGS, responses=WRITE_PROBLEMS,
       summary="Pause or resume an offer", description="`paused` takes the offer off sale until it is `active` "
                                                       "again; an offer Encore removed stays removed (409).")
async def change_status(sku: str, data: JSONBody[StatusChange], seller_id: NamedDependency[int]) -> Offer:
    current = await listing_views.seller_offer_by_sku(seller_id, _sku_of(sku))
    move = listings.pause_offer if data.status == "paused" else listings.resume_offer
    try:
        await move(seller_id, current["id"])
    except Refused as refused:
        raise _in_body_names(refused) from None
    return _offer(await listing_views.seller_offer(seller_id, current["id"]))


@delete("/offers/{sku:path}", name="seller_api_offer_delete", tags=TAGS, responses=WRITE_PROBLEMS,
        summary="Delete an offer", description="The offer disappears for everyone, you included; its SKU is free "
                                               "again. Past orders keep what they sold.")
async def delete_offer(sku: str, seller_id: NamedDependency[int]) -> None:
    current = await listing_views.seller_offer_by_sku(seller_id, _sku_of(sku))
    try:
        await listings.delete_offer(seller_id, current["id"])
    except Refused as refused:
        raise _in_body_names(refused) from None


@post("/offers/stock-and-prices", name="seller_api_stock_and_prices", status_code=200, tags=TAGS,
      responses=WRITE_PROBLEMS, summary="Change prices and stock in a batch",
      description=f"Up to {listings.MAX_BATCH:,} offers by SKU, all or nothing: if any entry is at fault nothing "
                  "changes, and the 422 lists every entry at fault (`/changes/3/price_cents`).")
async def stock_and_prices(data: JSONBody[StockAndPrices], seller_id: NamedDependency[int],
                           settings: NamedDependency[Settings]) -> StockAndPricesResult:
    changes = [StockPriceChange(sku=entry.sku, price_cents=entry.price_cents, stock=entry.stock)
               for entry in data.changes]
    try:
        changed = await listings.update_prices_and_stock(seller_id, changes, ListingRules.from_settings(settings))
    except Refused as refused:
        raise _in_body_names(refused) from None
    return StockAndPricesResult(changed=changed, unchanged=len(changes) - changed)


HANDLERS = [list_offers, create_offer, read_offer, replace_offer, change_status, delete_offer, stock_and_prices]
