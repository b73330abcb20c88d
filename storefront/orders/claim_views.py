"""What the seller portal and the operator's console read about claims: lists with their counts, and one claim
in full for the operator. Plain reads returning dicts; no HTTP here, every change is in storefront/orders/claims.py.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.query.functions.aggregate import Count

from storefront.errors import NotFound
from storefront.orders.claims import CLAIM_REASONS, DECISION_LABELS, ESCALATION_LABELS, RESOLUTION_LABELS
from storefront.orders.states import ClaimStatus
from storefront.orders.tables import Claim
from storefront.payments import refunds
from storefront.settings import Settings

# What the seller and the operator call each state, in the order the seller's list shows them.
STATUS_NAMES = {
    ClaimStatus.open: "To answer",
    ClaimStatus.answered: "Answered (before proposals)",
    ClaimStatus.accepted: "To send back",
    ClaimStatus.proposed: "Waiting for the buyer",
    ClaimStatus.escalated: "With Encore's team",
    ClaimStatus.resolved: "Resolved",
    ClaimStatus.withdrawn: "Withdrawn",
    ClaimStatus.closed: "Decided by Encore's team",
}
# Where the seller has something to do: the dashboard's "open claims".
SELLER_TO_DO = (ClaimStatus.open, ClaimStatus.answered, ClaimStatus.accepted)


def labelled(claim: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """The claim row with the words the pages show next to its codes."""
    claim["reason_label"] = CLAIM_REASONS.get(claim["reason"], claim["reason"])
    claim["status_name"] = STATUS_NAMES.get(claim["status"], claim["status"])
    claim["resolution_label"] = RESOLUTION_LABELS.get(claim.get("resolution") or "", "")
    claim["decision_label"] = DECISION_LABELS.get(claim.get("decision") or "", "")
    claim["escalation_label"] = ESCALATION_LABELS.get(claim.get("escalation") or "", "")
    if settings is not None and claim["status"] == ClaimStatus.open:
        claim["answer_by"] = claim["created_at"] + dt.timedelta(days=settings.claim_answer_days)
    return claim


def _list_columns() -> list[Any]:
    return [Claim.id, Claim.reason, Claim.status, Claim.created_at, Claim.seller_order, Claim.resolution,
            Claim.resolution_cents, Claim.decision, Claim.escalation, Claim.escalated_at,
            Claim.seller_order._.order._.reference.as_alias("reference"),
            Claim.seller_order._.seller._.name.as_alias("seller_name")]


async def seller_claims(seller_id: int, status: str | None, settings: Settings) -> tuple[list[dict[str, Any]],
                                                                                           dict[str, int]]:
    """The seller's claims in one state (all when None), oldest first, and how many it has in each state."""
    mine = Claim.seller_order.seller == seller_id
    rows = await Claim.select(Claim.status, Count()).where(mine).group_by(Claim.status)
    found = {row["status"]: row["count"] for row in rows}
    counts = {str(s): found.get(s, 0) for s in STATUS_NAMES}
    where = mine & (Claim.status == status) if status else mine
    claims = await Claim.select(*_list_columns()).where(where).order_by(Claim.id)
    return [labelled(claim, settings) for claim in claims], counts


async def claims_to_do(seller_id: int, settings: Settings) -> list[dict[str, Any]]:
    """The claims waiting for the seller: a proposal to make or an item to send back."""
    rows = await Claim.select(*_list_columns()).where(
        (Claim.seller_order.seller == seller_id) & Claim.status.is_in(list(SELLER_TO_DO))).order_by(Claim.id)
    return [labelled(row, settings) for row in rows]


async def console_claims() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For the operator: the escalated claims, longest waiting first, then the others still in progress."""
    escalated = await Claim.select(*_list_columns()).where(Claim.status == ClaimStatus.escalated).order_by(
        Claim.escalated_at, Claim.id)
    moving = await Claim.select(*_list_columns()).where(Claim.status.is_in(
        [ClaimStatus.open, ClaimStatus.proposed, ClaimStatus.accepted])).order_by(Claim.id).limit(100)
    return [labelled(row) for row in escalated], [labelled(row) for row in moving]


async def console_claim(claim_id: int) -> dict[str, Any]:
    """One claim in full for the operator: both sides' words, the seller order's money and refunds so far."""
    claim = await Claim.select(
        *Claim.all_columns(), Claim.seller_order._.order._.reference.as_alias("reference"),
        Claim.seller_order._.order._.currency.as_alias("currency"),
        Claim.seller_order._.seller._.name.as_alias("seller_name"),
        Claim.seller_order._.seller.as_alias("seller_id"),
        Claim.seller_order._.total_cents.as_alias("total_cents"),
        Claim.seller_order._.status.as_alias("seller_order_status"),
        Claim.seller_order._.order.as_alias("order_id"),
    ).where(Claim.id == claim_id).first()
    if claim is None:
        raise NotFound(claim_id)
    seller_order = {"id": claim["seller_order"], "total_cents": claim["total_cents"]}
    claim["left_to_refund_cents"] = await refunds.left_to_refund(seller_order)
    claim["refunds"] = await refunds.refunds_of_seller_order(claim["seller_order"])
    return labelled(claim)
