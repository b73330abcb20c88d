"""What the refurbisher's trade-in pages read, as plain data: the programme's figures, the incoming devices by
step, one device with its history and photos. Every figure is computed from the trade-ins' rows and events."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storefront.accounts.tables import Account
from storefront.orders.checkout_forms import COUNTRIES
from storefront.tradein.operator import disputes_of, may_raise_dispute
from storefront.tradein.photos import photos_of
from storefront.tradein.states import CONDITION_LABELS, TRADE_IN_STATUS_LABELS, ConditionState, TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInEvent

# The tabs of the incoming devices, in the order a refurbisher works through them.
TABS = (TradeInStatus.to_send, TradeInStatus.sent, TradeInStatus.received, TradeInStatus.counter_offered,
        TradeInStatus.returning, TradeInStatus.paid, TradeInStatus.returned, TradeInStatus.suspended,
        TradeInStatus.cancelled, TradeInStatus.expired)
# The refurbisher's own words for each step (the person reads TRADE_IN_STATUS_LABELS).
TAB_LABELS = {
    TradeInStatus.to_send: "Announced", TradeInStatus.sent: "On the way", TradeInStatus.received: "To inspect",
    TradeInStatus.counter_offered: "Counter-offered", TradeInStatus.returning: "To send back",
    TradeInStatus.paid: "Bought", TradeInStatus.returned: "Sent back", TradeInStatus.suspended: "Suspended",
    TradeInStatus.cancelled: "Cancelled", TradeInStatus.expired: "Expired",
}
DECISIONS = (TradeInStatus.paid, TradeInStatus.counter_offered)
# Never shown to the refurbisher: how the person is paid and who they are on paper.
PRIVATE = ("iban", "id_document_number")
# The person's return address: the refurbisher reads it only when it must send the device back, and after.
RETURN_ADDRESS = ("return_name", "return_line1", "return_postcode", "return_city", "return_country")
SENDING_BACK = (TradeInStatus.returning, TradeInStatus.returned)


@dataclass(frozen=True)
class ProgramFigures:
    bought: int  # devices paid for
    decisions: int  # inspections that ended in a payment of the quote or a counter-offer
    counter_offers: int
    average_days_x10: int | None  # receipt → decision, in tenths of a day; None before any decision

    @property
    def counter_offer_rate_bp(self) -> int | None:
        return None if not self.decisions else (self.counter_offers * 10_000 + self.decisions // 2) // self.decisions


async def program_figures(seller_id: int) -> ProgramFigures:
    bought = await TradeIn.count().where((TradeIn.seller == seller_id) & (TradeIn.status == TradeInStatus.paid))
    events = await TradeInEvent.select(TradeInEvent.trade_in, TradeInEvent.status, TradeInEvent.created_at).where(
        TradeInEvent.trade_in.seller == seller_id).order_by(TradeInEvent.created_at).order_by(TradeInEvent.id)
    received: dict[int, dt.datetime] = {}
    decided: dict[int, tuple[str, dt.datetime]] = {}
    for event in events:
        if event["status"] == TradeInStatus.received and event["trade_in"] not in received:
            received[event["trade_in"]] = event["created_at"]
        elif event["status"] in DECISIONS and event["trade_in"] not in decided and event["trade_in"] in received:
            # The first decision counts: a counter-offer the person accepts later is still a counter-offer.
            decided[event["trade_in"]] = (event["status"], event["created_at"])
    seconds = [(at - received[tid]).total_seconds() for tid, (_, at) in decided.items()]
    average = None if not seconds else round(sum(seconds) / len(seconds) / 8_640)
    counters = sum(1 for status, _ in decided.values() if status == TradeInStatus.counter_offered)
    return ProgramFigures(bought=bought, decisions=len(decided), counter_offers=counters, average_days_x10=average)


def return_address(row: dict[str, Any]) -> list[str]:
    """The return address's lines, as a label writes them; [] when the person gave none."""
    if not row["return_line1"]:
        return []
    country = COUNTRIES.get(row["return_country"], row["return_country"])
    return [row["return_name"], row["return_line1"], f"{row['return_postcode']} {row['return_city']}", country]


def days_text(days_x10: int | None) -> str:
    """Tenths of a day as a person reads them: 25 → '2.5 days', 10 → '1.0 day'."""
    if days_x10 is None:
        return "none yet"
    return f"{days_x10 // 10}.{days_x10 % 10} day{'' if days_x10 == 10 else 's'}"


async def tab_counts(seller_id: int) -> dict[str, int]:
    rows = await TradeIn.select(TradeIn.status).where(TradeIn.seller == seller_id)
    counts = {status.value: 0 for status in TABS}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


async def devices(seller_id: int, status: str | None, limit: int = 200) -> list[dict[str, Any]]:
    query = TradeIn.select(TradeIn.id, TradeIn.reference, TradeIn.status, TradeIn.storage_gb, TradeIn.declared_state,
                           TradeIn.quote_cents, TradeIn.updated_at, TradeIn.model.name.as_alias("model_name")).where(
        TradeIn.seller == seller_id).order_by(TradeIn.updated_at, ascending=False).limit(limit)
    if status:
        query = query.where(TradeIn.status == status)
    return [{**row, "status_label": TAB_LABELS[TradeInStatus(row["status"])],
             "declared_label": CONDITION_LABELS[ConditionState(row["declared_state"])]} for row in await query]


async def device(seller_id: int, trade_in_id: int) -> dict[str, Any] | None:
    """One device of this refurbisher's, or None (another's looks missing)."""
    row = await TradeIn.select(*TradeIn.all_columns(), TradeIn.model.name.as_alias("model_name")).where(
        (TradeIn.id == trade_in_id) & (TradeIn.seller == seller_id)).first()
    if row is None:
        return None
    person = await Account.select(Account.name).where(Account.id == row["account"]).first()
    history = await TradeInEvent.select().where(TradeInEvent.trade_in == trade_in_id).order_by(
        TradeInEvent.created_at).order_by(TradeInEvent.id)
    status = TradeInStatus(row["status"])
    disputes = await disputes_of(trade_in_id)
    open_dispute = next((dispute for dispute in disputes if dispute["open"]), None)
    hidden = PRIVATE if status in SENDING_BACK else PRIVATE + RETURN_ADDRESS
    return {
        **{key: value for key, value in row.items() if key not in hidden},
        "return_address": return_address(row) if status in SENDING_BACK else [],
        "has_return_label": status == TradeInStatus.returned and bool(row["return_label_carrier"]),
        "person_name": person["name"] if person else "",
        "status_label": TAB_LABELS[status],
        "person_status_label": TRADE_IN_STATUS_LABELS[status],
        "declared_label": CONDITION_LABELS[ConditionState(row["declared_state"])],
        "found_label": CONDITION_LABELS[ConditionState(row["found_state"])] if row["found_state"] else "",
        "inspected": bool(row["imei_or_serial"] and row["found_state"]),
        "history": [{**event, "label": TAB_LABELS[TradeInStatus(event["status"])]} for event in history],
        "photos": await photos_of(trade_in_id),
        "disputes": disputes, "open_dispute": open_dispute,
        "can_raise_dispute": open_dispute is None and may_raise_dispute(row["status"], row["suspended_from"]),
    }


async def return_label(seller_id: int, trade_in_id: int) -> dict[str, Any] | None:
    """What this refurbisher's return label of a device prints (its `country` is the country's name), or None:
    another refurbisher's device, or one not sent back with a label."""
    row = await TradeIn.select(
        TradeIn.reference, TradeIn.status, TradeIn.storage_gb, TradeIn.return_tracking_number,
        TradeIn.return_label_carrier, *(getattr(TradeIn, name) for name in RETURN_ADDRESS),
        TradeIn.model.name.as_alias("model_name"), TradeIn.seller.name.as_alias("seller_name")).where(
        (TradeIn.id == trade_in_id) & (TradeIn.seller == seller_id)).first()
    if row is None or row["status"] != TradeInStatus.returned or not row["return_label_carrier"]:
        return None
    device = f"{row['model_name']} {row['storage_gb']} GB" if row["storage_gb"] else row["model_name"]
    return {**row, "device": device, "country": COUNTRIES.get(row["return_country"], row["return_country"])}
