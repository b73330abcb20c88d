"""The trade-in clocks, run by the `expire-trade-ins` job: a device not sent before its quote's date expires; a
counter-offer the person has not answered before `counter_expires_at` ends as the trade-in conditions state (the
device is sent back free, at the refurbisher's cost). Each trade-in is claimed by `moves.move`'s conditional UPDATE,
so two runs at once move it once. A suspended trade-in is at none of these steps: no clock touches it."""
from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns.combination import Combinable

from storefront.db import write_transaction
from storefront.errors import Refused
from storefront.mail.outbox import queue
from storefront.settings import Settings
from storefront.tradein.moves import move, now_utc
from storefront.tradein.operator import contacts
from storefront.tradein.states import TradeInStatus
from storefront.tradein.tables import TradeIn


async def _claim(trade_in: dict[str, Any], frm: TradeInStatus, to: TradeInStatus, note: str,
                 now: dt.datetime, lapsed: Combinable) -> bool:
    """Moves one trade-in in its own transaction; False when another run (or a person's click) got there first,
    or when its deadline is no longer past (the operator suspended and resumed it since it was read)."""
    try:
        async with write_transaction(TradeIn._meta.db):
            await move(trade_in, (frm,), to, actor="system", note=note, at=now, still=lapsed)
            await _notify(trade_in, to)
    except Refused:
        return False
    return True


async def _notify(trade_in: dict[str, Any], to: TradeInStatus) -> None:
    person, refurbisher = await contacts(trade_in)
    reference = trade_in["reference"]
    if to == TradeInStatus.expired:
        messages = [(person, "tradein_expired", f"Trade-in {reference}: the quote has lapsed",
                     f"The device of trade-in {reference} was not sent before "
                     f"{trade_in['ship_by']:%d %B %Y}, so the quote has lapsed. You can ask for a new quote at "
                     "any time.\n"),
                    (refurbisher, "tradein_expired", f"Trade-in {reference}: not sent in time",
                     f"The device of trade-in {reference} was not sent before {trade_in['ship_by']:%d %B %Y} and the "
                     "trade-in has lapsed. Should the parcel reach you all the same, mark it received in your "
                     "portal: it is then inspected as any other.\n")]
    else:
        messages = [(person, "tradein_counter_lapsed", f"Trade-in {reference}: your device comes back to you",
                     f"You did not answer the counter-offer on trade-in {reference} in time. As the trade-in "
                     "conditions state, the refurbisher sends your device back to you, free of charge.\n"),
                    (refurbisher, "tradein_counter_lapsed", f"Trade-in {reference}: send the device back",
                     f"The person did not answer your counter-offer on trade-in {reference} in time. Send the "
                     "device back to them, at your cost, and enter the return tracking number in your portal.\n")]
    for to_address, kind, subject, body in messages:
        if to_address:
            await queue(to=to_address, kind=kind, subject=subject, body=body)


async def expire_due(settings: Settings, now: dt.datetime | None = None) -> int:
    """Moves every trade-in whose clock ran out; returns how many this run moved."""
    now = now or now_utc()
    moved = 0
    unsent = await TradeIn.select().where((TradeIn.status == TradeInStatus.to_send) & (TradeIn.ship_by < now))
    for trade_in in unsent:
        moved += await _claim(trade_in, TradeInStatus.to_send, TradeInStatus.expired,
                              "Not sent before the quote's date.", now, TradeIn.ship_by < now)
    unanswered = await TradeIn.select().where((TradeIn.status == TradeInStatus.counter_offered)
                                              & TradeIn.counter_expires_at.is_not_null()
                                              & (TradeIn.counter_expires_at < now))
    for trade_in in unanswered:
        moved += await _claim(trade_in, TradeInStatus.counter_offered, TradeInStatus.returning,
                              f"Counter-offer unanswered after {settings.tradein.counter_offer_days} days: "
                              "sent back free.", now, TradeIn.counter_expires_at < now)
    return moved
