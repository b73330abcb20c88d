"""The one way a trade-in changes step: a conditional UPDATE on the step it is at, and its history line, in the
caller's write transaction. Two clicks at once: the second finds the step moved and is refused."""
from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns.combination import Combinable

from storefront.errors import NotFound, Refused
from storefront.tradein.states import TRADE_IN_STATUS_LABELS, TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInEvent

CHANGED = "This trade-in changed in the meantime. Please reload the page."


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def trade_in_of(trade_in_id: int, *, account_id: int | None = None,
                      seller_id: int | None = None) -> dict[str, Any]:
    """The trade-in, if it is this person's or this refurbisher's (or anyone's when neither is given); someone
    else's looks missing."""
    query = TradeIn.select().where(TradeIn.id == trade_in_id)
    if account_id is not None:
        query = query.where(TradeIn.account == account_id)
    if seller_id is not None:
        query = query.where(TradeIn.seller == seller_id)
    row = await query.first()
    if row is None:
        raise NotFound(trade_in_id)
    return row


async def hold(trade_in_id: int) -> None:
    """Holds the trade-in's row until the caller's transaction ends, for a check-then-insert on its behalf (one
    photo too many, a second open dispute): on PostgreSQL a no-op UPDATE takes the row's lock, so two such writes
    run one after the other; SQLite's write transaction serialises them already."""
    await TradeIn.update({TradeIn.reference: TradeIn.reference}).where(TradeIn.id == trade_in_id)


async def move(trade_in: dict[str, Any], from_statuses: tuple[TradeInStatus, ...], to_status: TradeInStatus, *,
               actor: str, note: str = "", at: dt.datetime | None = None, still: Combinable | None = None,
               **values: Any) -> None:
    """Moves the trade-in from one of `from_statuses` to `to_status`, setting `values` (column name → value)
    too; refused (field "status") when it is not at one of them, or was moved meanwhile. `still` is a condition
    on the row that must hold at the moment of the UPDATE (a deadline not yet passed, or passed): a clock the
    operator moved on since the caller read the row is then seen."""
    at = at or now_utc()
    if trade_in["status"] not in from_statuses:
        raise Refused("status", f"This trade-in is “{TRADE_IN_STATUS_LABELS[TradeInStatus(trade_in['status'])]}”: "
                                "this step is not open.")
    changes = {getattr(TradeIn, name): value for name, value in values.items()}
    changes[TradeIn.status] = to_status
    changes[TradeIn.updated_at] = at
    where = (TradeIn.id == trade_in["id"]) & (TradeIn.status == trade_in["status"])
    moved = await TradeIn.update(changes).where(where if still is None else where & still).returning(TradeIn.id)
    if not moved:
        raise Refused("status", CHANGED)
    await TradeInEvent.insert(TradeInEvent(trade_in=trade_in["id"], status=to_status, actor=actor, note=note,
                                           created_at=at))
    trade_in.update(values, status=to_status)
