"""The seller API's orders: list them by state, read one, accept, refuse or ship it.

Reads come from storefront.orders.seller_views and moves go through storefront.orders.transitions, exactly as
the seller portal's pages do (storefront.web.seller_portal): another seller's order, or one not yet paid,
answers 404 like a missing one, and a move the order's state does not allow answers 409.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from storefront.errors import NotFound, refuse_if
from storefront.inputs import has_unreadable_characters
from storefront.orders import seller_views, transitions
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.seller_api.problems import problem_responses

OrderState = Literal["pending", "accepted", "shipped", "delivered", "refused", "cancelled"]
MAX_REASON_LENGTH = 500
MAX_SHIPPING_TEXT = 60
READ_PROBLEMS = problem_responses(400, 401, 404, 429, 503)
MOVE_PROBLEMS = problem_responses(400, 401, 404, 409, 422, 429, 503)


class OrderSummary(msgspec.Struct):
    id: int
    reference: str
    state: OrderState
    total_cents: int
    currency: str
    item_count: int
    promised_delivery_date: dt.date
    paid_at: dt.datetime | None
    city: str


class OrderPage(msgspec.Struct):
    orders: list[OrderSummary]
    total: int
    page: int
    per_page: int


class DeliveryAddress(msgspec.Struct):
    name: str
    line1: str
    line2: str
    postcode: str
    city: str
    country: str
    phone: str


class OrderLine(msgspec.Struct):
    offer_id: int
    variant_id: int
    title: str
    grade: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    warranty_months: int


class OrderEvent(msgspec.Struct):
    state: str
    note: str
    at: dt.datetime


class Refund(msgspec.Struct):
    """Money given back to the buyer from this order: `amount_cents` comes off what you are owed, and
    `commission_returned_cents` of the commission is handed back to you with it."""

    reason: str
    amount_cents: int
    commission_returned_cents: int
    at: dt.datetime


class Order(msgspec.Struct):
    id: int
    reference: str
    state: OrderState
    currency: str
    items_cents: int
    shipping_cents: int
    total_cents: int
    commission_cents: int | None
    promised_delivery_date: dt.date
    paid_at: dt.datetime | None
    accepted_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivered_late: bool
    carrier: str
    tracking_number: str
    delivery: DeliveryAddress
    lines: list[OrderLine]
    events: list[OrderEvent]
    refunds: list[Refund] = []


class Refusal(msgspec.Struct):
    """Why the seller cannot fulfil the order; the buyer reads it."""

    reason: Annotated[str, msgspec.Meta(max_length=MAX_REASON_LENGTH)] = ""


class Shipment(msgspec.Struct):
    carrier: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SHIPPING_TEXT)]
    tracking_number: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SHIPPING_TEXT)]


def _text_problems(**fields: str) -> dict[str, str]:
    found = {}
    for name, value in fields.items():
        if has_unreadable_characters(value):
            found[name] = "This text holds control characters: remove them."
        elif name in ("carrier", "tracking_number") and not value.strip():
            found[name] = "Give the carrier and the tracking number."
    return found


async def _order(seller_id: int, seller_order_id: int) -> Order:
    view = await seller_views.seller_order_view(seller_id, seller_order_id)
    if view is None:
        raise NotFound(seller_order_id)
    so, order = view.seller_order, view.order
    return Order(
        id=so["id"], reference=order["reference"], state=so["status"], currency=order["currency"],
        items_cents=so["items_cents"], shipping_cents=so["shipping_cents"], total_cents=so["total_cents"],
        commission_cents=view.commission_cents, promised_delivery_date=so["promised_delivery_date"],
        paid_at=order["paid_at"], accepted_at=so["accepted_at"], shipped_at=so["shipped_at"],
        delivered_at=so["delivered_at"], delivered_late=bool(so["delivered_late"]), carrier=so["carrier"],
        tracking_number=so["tracking_number"],
        delivery=DeliveryAddress(name=order["delivery_name"], line1=order["delivery_line1"],
                                 line2=order["delivery_line2"], postcode=order["delivery_postcode"],
                                 city=order["delivery_city"], country=order["delivery_country"],
                                 phone=order["delivery_phone"]),
        lines=[OrderLine(offer_id=line["offer"], variant_id=line["variant"], title=line["title"], grade=line["grade"],
                         quantity=line["quantity"], unit_price_cents=line["unit_price_cents"],
                         total_cents=line["total_cents"], warranty_months=line["warranty_months"])
               for line in view.lines],
        events=[OrderEvent(state=event["status"], note=event["note"], at=event["created_at"]) for event in view.events],
        refunds=[Refund(reason=refund.reason, amount_cents=refund.amount_cents,
                        commission_returned_cents=refund.commission_reversed_cents, at=refund.created_at)
                 for refund in view.refunds],
    )


async def _visible(seller_id: int, seller_order_id: int) -> None:
    """Anyone else's order answers 404 before anything moves (as the portal does)."""
    if await seller_views.visible_seller_order(seller_id, seller_order_id) is None:
        raise NotFound(seller_order_id)


@get("/orders", name="seller_api_orders",
     tags=["orders"], responses=READ_PROBLEMS, summary="List your orders",
     description="Your paid orders, newest first, optionally in one state; `page` counts from 1.")
async def list_orders(seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                      wanted: Annotated[OrderState | None, QueryParameter(query="state")] = None,
                      page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
                      per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 25) -> OrderPage:
    rows, total = await seller_views.orders_page(seller_id, wanted, page, per_page)
    return OrderPage(orders=[_summary(row, settings.currency) for row in rows], total=total, page=page,
                     per_page=per_page)


def _summary(row: dict[str, Any], currency: str) -> OrderSummary:
    return OrderSummary(id=row["id"], reference=row["reference"], state=row["status"], total_cents=row["total_cents"],
                        currency=currency, item_count=row["item_count"],
                        promised_delivery_date=row["promised_delivery_date"], paid_at=row["paid_at"],
                        city=row["city"])


@get("/orders/{order_id:int}", name="seller_api_order",
     tags=["orders"], responses=READ_PROBLEMS, summary="Read one order",
     description="The order with its lines, the buyer's delivery address and its history.")
async def read_order(order_id: Id, seller_id: NamedDependency[int]) -> Order:
    return await _order(seller_id, order_id)


@post("/orders/{order_id:int}/accept", name="seller_api_order_accept",
      tags=["orders"], status_code=200, responses=MOVE_PROBLEMS,
      summary="Accept an order", description="A pending order becomes a confirmed transaction; the buyer is told.")
async def accept_order(order_id: Id, seller_id: NamedDependency[int], settings: NamedDependency[Settings]) -> Order:
    await _visible(seller_id, order_id)
    await transitions.accept(order_id, seller_id=seller_id, settings=settings)
    return await _order(seller_id, order_id)


@post("/orders/{order_id:int}/refuse", name="seller_api_order_refuse",
      tags=["orders"], status_code=200, responses=MOVE_PROBLEMS,
      summary="Refuse an order", description="A pending order is refused: the buyer is refunded, the stock is back.")
async def refuse_order(order_id: Id, data: JSONBody[Refusal], seller_id: NamedDependency[int],
                       settings: NamedDependency[Settings]) -> Order:
    refuse_if(_text_problems(reason=data.reason))
    await _visible(seller_id, order_id)
    await transitions.refuse(order_id, seller_id=seller_id, settings=settings, reason=data.reason.strip())
    return await _order(seller_id, order_id)


@post("/orders/{order_id:int}/ship", name="seller_api_order_ship",
      tags=["orders"], status_code=200, responses=MOVE_PROBLEMS,
      summary="Mark an order shipped", description="An accepted order is shipped; the buyer gets the tracking.")
async def ship_order(order_id: Id, data: JSONBody[Shipment], seller_id: NamedDependency[int],
                     settings: NamedDependency[Settings]) -> Order:
    refuse_if(_text_problems(carrier=data.carrier, tracking_number=data.tracking_number))
    await _visible(seller_id, order_id)
    await transitions.ship(order_id, seller_id=seller_id, settings=settings, carrier=data.carrier,
                           tracking_number=data.tracking_number)
    return await _order(seller_id, order_id)


HANDLERS = [list_orders, read_order, accept_order, refuse_order, ship_order]
