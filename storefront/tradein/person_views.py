"""Read models for the person's trade-in pages: "My trade-ins", one trade-in with its history and
counter-offer, its label's content and its inspection photos. Plain data; someone else's trade-in is missing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storefront.catalog.tables import ProductModel
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein.operator import disputes_of, may_raise_dispute
from storefront.tradein.states import CONDITION_LABELS, TRADE_IN_STATUS_LABELS, ConditionState, TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInEvent, TradeInPhoto

# What the trade-in page says after each of the person's steps (`?done=`).
DONE_MESSAGES = {
    "cancelled": "The trade-in is cancelled. Nothing was sent and nothing is owed.",
    "sent": "Thank you: the refurbisher now waits for your parcel.",
    "paid": "You accepted the counter-offer: the transfer leaves in the next payout run.",
    "refused": "You refused the counter-offer: the refurbisher sends the device back to you free.",
    "disputed": "Your dispute is sent to Encore's team, and the refurbisher is told. Both of you hear the decision.",
}


@dataclass(frozen=True)
class TradeInSummary:
    reference: str
    device: str
    seller_name: str
    status: str
    status_label: str
    quote_cents: int
    ship_by: dt.datetime
    created_at: dt.datetime


@dataclass(frozen=True)
class TradeInDetail(TradeInSummary):
    declared_state_label: str
    found_state_label: str
    seller_address: str
    label_carrier: str
    tracking_number: str
    counter_cents: int | None
    counter_reasons: list[str]  # one per reason the refurbisher chose (stored one a line)
    counter_comment: str
    counter_expires_at: dt.datetime | None
    paid_cents: int | None
    return_tracking_number: str
    history: list[dict[str, Any]] = field(default_factory=list)
    photo_ids: list[int] = field(default_factory=list)
    suspended_from: str = ""
    disputes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def can_cancel(self) -> bool:
        return self.status == TradeInStatus.to_send

    @property
    def can_mark_sent(self) -> bool:
        return self.status == TradeInStatus.to_send

    @property
    def has_label(self) -> bool:
        return self.status in (TradeInStatus.to_send, TradeInStatus.sent)

    @property
    def open_dispute(self) -> dict[str, Any] | None:
        return next((dispute for dispute in self.disputes if dispute["open"]), None)

    @property
    def can_raise_dispute(self) -> bool:
        return self.open_dispute is None and may_raise_dispute(self.status, self.suspended_from)

    @property
    def awaits_answer(self) -> bool:
        return self.status == TradeInStatus.counter_offered and self.counter_cents is not None


def _device(row: dict[str, Any]) -> str:
    name = f"{row['brand_name']} {row['model_name']}"
    return f"{name} {row['storage_gb']} GB" if row["storage_gb"] else name


_SUMMARY = (TradeIn.reference, TradeIn.model.name.as_alias("model_name"),
            TradeIn.model._.brand._.name.as_alias("brand_name"), TradeIn.storage_gb,
            TradeIn.seller.name.as_alias("seller_name"), TradeIn.status, TradeIn.quote_cents, TradeIn.ship_by,
            TradeIn.created_at)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"reference": row["reference"], "device": _device(row), "seller_name": row["seller_name"],
            "status": row["status"], "status_label": TRADE_IN_STATUS_LABELS[TradeInStatus(row["status"])],
            "quote_cents": row["quote_cents"], "ship_by": row["ship_by"], "created_at": row["created_at"]}


async def trade_ins_of(account_id: int) -> list[TradeInSummary]:
    """The person's trade-ins, newest first."""
    rows = await TradeIn.select(*_SUMMARY).where(TradeIn.account == account_id).order_by(
        TradeIn.created_at, ascending=False).order_by(TradeIn.id, ascending=False)
    return [TradeInSummary(**_summary(row)) for row in rows]


def _state_label(value: str | None) -> str:
    return CONDITION_LABELS[ConditionState(value)] if value else ""


async def trade_in_detail(account_id: int, reference: str) -> TradeInDetail | None:
    row = await TradeIn.select(
        *_SUMMARY, TradeIn.id, TradeIn.declared_state, TradeIn.found_state,
        TradeIn.seller.address.as_alias("seller_address"), TradeIn.label_carrier, TradeIn.tracking_number,
        TradeIn.counter_cents, TradeIn.counter_reasons, TradeIn.counter_comment, TradeIn.counter_expires_at,
        TradeIn.paid_cents, TradeIn.return_tracking_number, TradeIn.suspended_from,
    ).where((TradeIn.reference == reference) & (TradeIn.account == account_id)).first()
    if row is None:
        return None
    events = await TradeInEvent.select(TradeInEvent.status, TradeInEvent.note, TradeInEvent.created_at).where(
        TradeInEvent.trade_in == row["id"]).order_by(TradeInEvent.created_at).order_by(TradeInEvent.id)
    history = [{"label": TRADE_IN_STATUS_LABELS[TradeInStatus(event["status"])], "note": event["note"],
                "at": event["created_at"]} for event in events]
    photos = await TradeInPhoto.select(TradeInPhoto.id).where(TradeInPhoto.trade_in == row["id"]).order_by(
        TradeInPhoto.id)
    return TradeInDetail(
        **_summary(row), declared_state_label=_state_label(row["declared_state"]),
        found_state_label=_state_label(row["found_state"]), seller_address=row["seller_address"] or "",
        label_carrier=row["label_carrier"], tracking_number=row["tracking_number"],
        counter_cents=row["counter_cents"], counter_reasons=row["counter_reasons"].splitlines(),
        counter_comment=row["counter_comment"], counter_expires_at=row["counter_expires_at"],
        paid_cents=row["paid_cents"], return_tracking_number=row["return_tracking_number"],
        history=history, photo_ids=[photo["id"] for photo in photos], suspended_from=row["suspended_from"],
        disputes=await disputes_of(row["id"]))


@dataclass(frozen=True)
class PhotoFile:
    path: Path
    content_type: str


async def photo_of(account_id: int, reference: str, photo_id: int, settings: Settings) -> PhotoFile | None:
    """An inspection photo of the person's own trade-in, as stored by the refurbisher's inspection."""
    row = await TradeInPhoto.select(TradeInPhoto.storage_key, TradeInPhoto.content_type).where(
        (TradeInPhoto.id == photo_id) & (TradeInPhoto.trade_in.reference == reference)
        & (TradeInPhoto.trade_in.account == account_id)).first()
    if row is None:
        return None
    root = settings.tradein.photos_dir.resolve()
    path = (root / row["storage_key"]).resolve()
    # The key is ours, but a path that leaves the photo folder is never served.
    if root not in path.parents or not path.is_file():
        return None
    return PhotoFile(path=path, content_type=row["content_type"])


async def model_name(model_id: int) -> str:
    row = await ProductModel.select(ProductModel.name, ProductModel.brand._.name.as_alias("brand_name")).where(
        ProductModel.id == model_id).first()
    return f"{row['brand_name']} {row['name']}" if row else ""


async def seller_name(seller_id: int) -> str:
    row = await Seller.select(Seller.name).where(Seller.id == seller_id).first()
    return row["name"] if row else ""
