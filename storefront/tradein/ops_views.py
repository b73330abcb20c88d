"""What the operator's console reads about trade-ins: the list (by step, by reference), one trade-in with its
history, its disputes and the e-mails sent about it, and its refurbisher's counter-offer rate beside the quality
figures its sales earned. Plain data; every figure counted from rows."""
from __future__ import annotations

from typing import Any

from storefront.accounts.tables import Account
from storefront.catalog.tables import ProductModel
from storefront.errors import NotFound
from storefront.mail.tables import OutboxEmail
from storefront.sellers.tables import Seller
from storefront.tradein.operator import DECIDABLE_STATUSES, OPEN_STATUSES, OUTCOME_LABELS
from storefront.tradein.photos import photos_of
from storefront.tradein.seller_views import program_figures
from storefront.tradein.states import CONDITION_LABELS, TRADE_IN_STATUS_LABELS, ConditionState, TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInDispute, TradeInEvent, TradeInTransfer

PAGE_SIZE = 50


async def _models(model_ids: set[int]) -> dict[int, str]:
    if not model_ids:
        return {}
    rows = await ProductModel.select(ProductModel.id, ProductModel.name).where(ProductModel.id.is_in(list(model_ids)))
    return {row["id"]: row["name"] for row in rows}


async def _sellers(seller_ids: set[int]) -> dict[int, str]:
    if not seller_ids:
        return {}
    rows = await Seller.select(Seller.id, Seller.name).where(Seller.id.is_in(list(seller_ids)))
    return {row["id"]: row["name"] for row in rows}


async def console_trade_ins(status: str = "", search: str = "") -> list[dict[str, Any]]:
    """Trade-ins, newest first, at one step when `status` names one, whose reference contains `search`."""
    query = TradeIn.select(TradeIn.id, TradeIn.reference, TradeIn.status, TradeIn.seller, TradeIn.model,
                           TradeIn.storage_gb, TradeIn.quote_cents, TradeIn.currency, TradeIn.updated_at)
    if status in TradeInStatus.__members__:
        query = query.where(TradeIn.status == status)
    if search.strip():
        query = query.where(TradeIn.reference.ilike(f"%{search.strip()}%"))
    rows = await query.order_by(TradeIn.id, ascending=False).limit(PAGE_SIZE)
    open_disputes = {row["trade_in"] for row in await TradeInDispute.select(TradeInDispute.trade_in).where(
        TradeInDispute.decision == "")}
    models = await _models({row["model"] for row in rows})
    sellers = await _sellers({row["seller"] for row in rows})
    return [{**row, "model_name": models.get(row["model"], ""), "seller_name": sellers.get(row["seller"], ""),
             "status_label": TRADE_IN_STATUS_LABELS[TradeInStatus(row["status"])],
             "disputed": row["id"] in open_disputes} for row in rows]


async def open_disputes() -> list[dict[str, Any]]:
    """Disputes waiting for the operator, oldest first."""
    rows = await TradeInDispute.select(*TradeInDispute.all_columns(), TradeInDispute.trade_in.reference).where(
        TradeInDispute.decision == "").order_by(TradeInDispute.created_at)
    return [{**row, "reference": row["trade_in.reference"]} for row in rows]


async def counter_offer_figures(seller_id: int) -> dict[str, Any]:
    """How often the refurbisher counter-offers, read by the same function as its own portal's figure (a page
    each with its own count once disagreed), beside the quality figures of its sales."""
    figures = await program_figures(seller_id)
    seller = await Seller.select(Seller.name, Seller.defect_rate_bp, Seller.wrong_item_rate_bp,
                                 Seller.cosmetic_rate_bp, Seller.late_delivery_rate_bp).where(
        Seller.id == seller_id).first()
    return {"decided": figures.decisions, "countered": figures.counter_offers,
            "counter_rate_bp": figures.counter_offer_rate_bp, **(seller or {})}


async def console_trade_in(trade_in_id: int) -> dict[str, Any]:
    row = await TradeIn.select().where(TradeIn.id == trade_in_id).first()
    if row is None:
        raise NotFound(trade_in_id)
    status = TradeInStatus(row["status"])
    person = await Account.select(Account.name, Account.email).where(Account.id == row["account"]).first()
    events = await TradeInEvent.select().where(TradeInEvent.trade_in == trade_in_id).order_by(TradeInEvent.id)
    disputes = await TradeInDispute.select().where(TradeInDispute.trade_in == trade_in_id).order_by(
        TradeInDispute.id)
    # E-mails carry no link to the trade-in's row: its reference in the subject is what names it.
    mails = await OutboxEmail.select(OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.created_at,
                                     OutboxEmail.sent_at).where(
        OutboxEmail.subject.like(f"%{row['reference']}%")).order_by(OutboxEmail.id)
    transfer = await TradeInTransfer.select().where(TradeInTransfer.trade_in == trade_in_id).first()
    at_step = TradeInStatus(row["suspended_from"]) if status == TradeInStatus.suspended else status
    return {
        **row, "model_name": (await _models({row["model"]})).get(row["model"], ""),
        "seller_name": (await _sellers({row["seller"]})).get(row["seller"], ""),
        "person_name": person["name"] if person else "", "person_email": person["email"] if person else "",
        "status_label": TRADE_IN_STATUS_LABELS[status],
        "declared_label": CONDITION_LABELS[ConditionState(row["declared_state"])],
        "found_label": CONDITION_LABELS[ConditionState(row["found_state"])] if row["found_state"] else "",
        "suspended_from_label": (TRADE_IN_STATUS_LABELS[TradeInStatus(row["suspended_from"])]
                                 if row["suspended_from"] else ""),
        "events": [{**event, "status_label": TRADE_IN_STATUS_LABELS[TradeInStatus(event["status"])]}
                   for event in events],
        "disputes": [{**dispute, "decision_label": OUTCOME_LABELS.get(dispute["decision"], "")}
                     for dispute in disputes],
        "mails": mails, "transfer": transfer,
        "photo_ids": [photo["id"] for photo in await photos_of(trade_in_id)],
        "can_suspend": status in OPEN_STATUSES, "can_resume": status == TradeInStatus.suspended,
        "can_decide": at_step in DECIDABLE_STATUSES,
        "refurbisher": await counter_offer_figures(row["seller"]),
    }
