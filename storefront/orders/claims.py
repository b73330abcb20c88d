"""Claims ("Get help") and how they end: every move of a claim, its money, its e-mails and the figures it feeds.

The flow, each arrow a conditional UPDATE on the claim's current status (two clicks at once: one wins, the
other is refused with "this claim changed"):

- open → proposed: the seller proposes a repair, a replacement, a partial refund (more than €0, at most what is
  left to refund of its part of the order) or a full refund (what is left), with a message to the buyer;
- proposed → resolved: the buyer accepts a refund, which is booked at once (storefront.payments.refunds);
- proposed → accepted → resolved: the buyer accepts a repair or replacement; the seller marks it sent back with
  a carrier and tracking number;
- proposed → escalated: the buyer refuses and asks Encore to decide;
- open → escalated: the seller proposed nothing within CLAIM_ANSWER_DAYS; proposed → escalated: the buyer left
  the proposal unanswered for CLAIM_BUYER_DAYS (the `escalate-claims` job). Silence never closes a claim
  against the buyer: it goes to the operator, who can still decide the proposal was fair;
- escalated → closed (a refund booked, or the claim rejected as unfounded) or → accepted (the seller is
  ordered to repair or replace): the operator decides with reasons, written to the audit log;
- open, proposed or escalated → withdrawn: the buyer withdraws it.

A claim counts in the seller's defect, wrong-item and cosmetic rates (storefront.sellers.figures) unless the
operator rejected it; the figures are recomputed at each ending.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storefront.accounts.tables import Account
from storefront.db import write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.moderation.decisions import audit
from storefront.orders import claim_notifications as mail
from storefront.orders import notifications
from storefront.orders.states import ClaimDecision, ClaimResolution, ClaimStatus
from storefront.orders.tables import Claim, Order, SellerOrder
from storefront.orders.webhook_events import seller_order_event
from storefront.payments import refunds
from storefront.payments.states import RefundReason
from storefront.rows import one
from storefront.sellers import figures
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.units import money, parse_euros
from storefront.webhooks.states import EventType

CLAIM_REASONS = {
    "defective": "The product is defective",
    "wrong_item": "Wrong product or accessory",
    "cosmetic": "Cosmetic condition worse than sold",
    "not_received": "I have not received it",
    "other": "Something else",
}
MAX_CLAIM_MESSAGE = 2_000
MAX_DECISION_REASONS = 2_000
RESOLUTION_LABELS: dict[str, str] = {
    ClaimResolution.repair: "Repair",
    ClaimResolution.replacement: "Replacement",
    ClaimResolution.partial_refund: "Partial refund",
    ClaimResolution.full_refund: "Full refund",
}
DECISION_LABELS: dict[str, str] = {
    ClaimDecision.refund: "Refund",
    ClaimDecision.repair: "The seller repairs it",
    ClaimDecision.replacement: "The seller replaces it",
    ClaimDecision.rejected: "Rejected as unfounded",
}
ESCALATION_LABELS = {
    "buyer_refused": "the buyer refused the seller's proposal",
    "seller_silent": "the seller proposed nothing in time",
    "buyer_silent": "the buyer did not answer the proposal in time",
}
# Where a buyer may still withdraw; where a seller may still propose (an old free-text answer included).
WITHDRAWABLE = (ClaimStatus.open, ClaimStatus.answered, ClaimStatus.proposed, ClaimStatus.escalated)
PROPOSABLE = (ClaimStatus.open, ClaimStatus.answered)
REFUNDS = (ClaimResolution.partial_refund, ClaimResolution.full_refund)
CHANGED = "This claim changed in the meantime. Please reload the page."


@dataclass(frozen=True)
class ClaimInput:
    """What the buyer says through "Get help": what the problem is and what happened."""

    reason: str
    message: str

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.reason not in CLAIM_REASONS:
            found["reason"] = "Choose what the problem is."
        message = self.message.strip()
        if not message:
            found["message"] = "Tell the seller what happened."
        elif len(message) > MAX_CLAIM_MESSAGE:
            found["message"] = (f"Keep the message to {MAX_CLAIM_MESSAGE:,} characters or fewer "
                                f"(it has {len(message):,}).")
        return found


def _amount_problem(kind_needs_amount: bool, amount: str) -> tuple[int | None, str | None]:
    """The amount typed in euros as cents, or what is wrong with it. What is left to refund is checked by the
    move itself, in its transaction."""
    if not kind_needs_amount:
        return None, None
    cents = parse_euros(amount)
    if not amount.strip():
        return None, "Give the amount to refund, in euros."
    if cents is None:
        return None, "Write the amount in euros, for example 40 or 40.00."
    if cents <= 0:
        return None, "The amount must be more than €0.00."
    return cents, None


@dataclass(frozen=True)
class ProposalInput:
    """The seller's proposal: what it offers, the amount for a partial refund (euros, as typed), a message."""

    resolution: str
    amount: str
    message: str

    @property
    def amount_cents(self) -> int | None:
        return _amount_problem(self.resolution == ClaimResolution.partial_refund, self.amount)[0]

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.resolution not in RESOLUTION_LABELS:
            found["resolution"] = "Choose what you propose."
        elif problem := _amount_problem(self.resolution == ClaimResolution.partial_refund, self.amount)[1]:
            found["amount"] = problem
        message = self.message.strip()
        if not message:
            found["message"] = "Tell the buyer what you propose and why."
        elif len(message) > MAX_CLAIM_MESSAGE:
            found["message"] = f"Keep the message to {MAX_CLAIM_MESSAGE:,} characters or fewer."
        return found


@dataclass(frozen=True)
class DecisionInput:
    """The operator's decision on an escalated claim: the outcome, the amount for a refund, the reasons."""

    outcome: str
    amount: str
    reasons: str

    @property
    def amount_cents(self) -> int | None:
        return _amount_problem(self.outcome == ClaimDecision.refund, self.amount)[0]

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.outcome not in DECISION_LABELS:
            found["outcome"] = "Choose the decision."
        elif problem := _amount_problem(self.outcome == ClaimDecision.refund, self.amount)[1]:
            found["amount"] = problem
        reasons = self.reasons.strip()
        if not reasons:
            found["reasons"] = "Give the reasons: both sides read them."
        elif len(reasons) > MAX_DECISION_REASONS:
            found["reasons"] = f"Keep the reasons to {MAX_DECISION_REASONS:,} characters or fewer."
        return found


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _Case:
    """A claim with the rows every move needs: its seller order, the order and the people to write to."""

    claim: dict[str, Any]
    seller_order: dict[str, Any]
    order: dict[str, Any]
    seller: dict[str, Any]
    buyer_email: str


async def _case(claim_id: int, *, account_id: int | None = None, seller_id: int | None = None) -> _Case:
    """The claim, when the buyer (account_id) or the seller (seller_id) it belongs to asks; another person's
    claim and a missing one look the same (NotFound)."""
    claim = await Claim.select().where(Claim.id == claim_id).first()
    seller_order = claim and await SellerOrder.select().where(SellerOrder.id == claim["seller_order"]).first()
    order = seller_order and await Order.select().where(Order.id == seller_order["order"]).first()
    if (claim is None or seller_order is None or order is None
            or (account_id is not None and order["account"] != account_id)
            or (seller_id is not None and seller_order["seller"] != seller_id)):
        raise NotFound(claim_id)
    seller = await one(Seller.select(Seller.id, Seller.name, Seller.email).where(
        Seller.id == seller_order["seller"]).first(), seller_order["seller"])
    buyer = await one(Account.select(Account.email).where(Account.id == order["account"]).first(), order["account"])
    return _Case(claim, seller_order, order, seller, buyer["email"])


async def _move(claim_id: int, from_statuses: tuple[str, ...], to_status: ClaimStatus, **values: Any) -> None:
    """The one way a claim changes state: an UPDATE that only applies if the claim is still where the caller saw
    it. Refused (nothing written) when another click or the job got there first."""
    changes = {getattr(Claim, name): value for name, value in values.items()}
    changes[Claim.status] = to_status
    moved = await Claim.update(changes).where(
        (Claim.id == claim_id) & Claim.status.is_in(list(from_statuses))).returning(Claim.id)
    if not moved:
        raise Refused("claim", CHANGED)


async def open_claim(seller_order_id: int, *, account_id: int, reason: str, message: str,
                     settings: Settings, now: dt.datetime | None = None) -> int:
    """"Get help" on a seller order: the seller is asked for a proposal; the claim feeds the seller's rates.
    Refused when the claim is incomplete (ClaimInput.problems) or the part was never delivered to be claimed on."""
    refuse_if(ClaimInput(reason, message).problems())
    message = message.strip()
    async with write_transaction(Order._meta.db):
        seller_order = await SellerOrder.select().where(SellerOrder.id == seller_order_id).first()
        order = seller_order and await Order.select().where(Order.id == seller_order["order"]).first()
        if seller_order is None or order is None or order["account"] != account_id:
            raise NotFound(seller_order_id)
        if seller_order["status"] in ("awaiting_payment", "cancelled", "refused"):
            raise Refused("claim", "There is nothing to claim on this part of the order.")
        claim = Claim(seller_order=seller_order_id, reason=reason, message=message, status=ClaimStatus.open,
                      created_at=now or _now())
        await claim.save()
        seller = await one(Seller.select(Seller.email, Seller.name).where(Seller.id == seller_order["seller"]).first(),
                           seller_order["seller"])
        await notifications.claim_opened(settings, to=seller["email"], order=order, seller_order_id=seller_order_id,
                                         reason=CLAIM_REASONS[reason])
        buyer = await one(Account.select(Account.email).where(Account.id == account_id).first(), account_id)
        await mail.received(settings, buyer["email"], order, seller["name"])
        await seller_order_event(seller_order["seller"], seller_order_id, EventType.claim_opened, claim_id=claim.id,
                                 at=now)
        await figures.recompute(seller_order["seller"])
    return claim.id


async def propose(claim_id: int, proposal: ProposalInput, *, seller_id: int, settings: Settings,
                  now: dt.datetime | None = None) -> None:
    """The seller proposes a resolution. A full refund is what is left to refund of its part at this moment."""
    refuse_if(proposal.problems())
    now = now or _now()
    async with write_transaction(Order._meta.db):
        case = await _case(claim_id, seller_id=seller_id)
        if case.claim["status"] not in PROPOSABLE:
            raise Refused("claim", "This claim is no longer waiting for your proposal.")
        left = await refunds.left_to_refund(case.seller_order)
        amount: int | None = None
        if proposal.resolution == ClaimResolution.partial_refund:
            amount = proposal.amount_cents
            if amount is not None and amount > left:
                raise Refused("amount", f"At most {money(left)} is left to refund on this order.")
        elif proposal.resolution == ClaimResolution.full_refund:
            if left <= 0:
                raise Refused("resolution", "Nothing is left to refund on this order.")
            amount = left
        await _move(claim_id, PROPOSABLE, ClaimStatus.proposed, resolution=proposal.resolution,
                    resolution_cents=amount, seller_answer=proposal.message.strip(), answered_at=now)
        await mail.proposal_made(settings, case.buyer_email, case.order, case.seller["name"],
                                 RESOLUTION_LABELS[ClaimResolution(proposal.resolution)], amount,
                                 proposal.message.strip())
        await seller_order_event(seller_id, case.seller_order["id"], EventType.claim_answered, claim_id=claim_id,
                                 at=now)


async def _book_refund(case: _Case, amount: int, reason: RefundReason, note: str, now: dt.datetime) -> int:
    try:
        booked = await refunds.book(case.seller_order, amount, reason, note=note, at=now)
    except refunds.RefundTooLarge:
        left = await refunds.left_to_refund(case.seller_order)
        raise Refused("amount", f"At most {money(left)} is left to refund on this order.") from None
    return booked.to_buyer_cents


async def accept(claim_id: int, *, account_id: int, settings: Settings, now: dt.datetime | None = None) -> int:
    """The buyer accepts the proposal. A refund is booked at once and the claim is resolved; a repair or
    replacement waits for the seller to send it. Returns what goes back to the buyer, in cents (0 for none)."""
    now = now or _now()
    async with write_transaction(Order._meta.db):
        case = await _case(claim_id, account_id=account_id)
        resolution = case.claim["resolution"]
        if case.claim["status"] != ClaimStatus.proposed:
            raise Refused("claim", "There is no proposal waiting for your answer on this claim.")
        refunded = 0
        if resolution in REFUNDS:
            await _move(claim_id, (ClaimStatus.proposed,), ClaimStatus.resolved, buyer_answered_at=now,
                        resolved_at=now)
            refunded = await _book_refund(case, case.claim["resolution_cents"], RefundReason.claim,
                                          f"claim {claim_id}: proposal accepted", now)
            await figures.recompute(case.seller["id"])
        else:
            await _move(claim_id, (ClaimStatus.proposed,), ClaimStatus.accepted, buyer_answered_at=now)
        await mail.proposal_accepted(settings, case.seller["email"], case.order, case.seller_order["id"],
                                     RESOLUTION_LABELS[ClaimResolution(resolution)], refunded)
        if refunded:
            await mail.refund_agreed(settings, case.buyer_email, case.order, refunded)
    return refunded


async def refuse(claim_id: int, *, account_id: int, settings: Settings, now: dt.datetime | None = None) -> None:
    """The buyer refuses the proposal and asks Encore to decide."""
    now = now or _now()
    async with write_transaction(Order._meta.db):
        case = await _case(claim_id, account_id=account_id)
        if case.claim["status"] != ClaimStatus.proposed:
            raise Refused("claim", "There is no proposal waiting for your answer on this claim.")
        await _move(claim_id, (ClaimStatus.proposed,), ClaimStatus.escalated, buyer_answered_at=now,
                    escalated_at=now, escalation="buyer_refused")
        await mail.escalated(settings, case.buyer_email, case.seller["email"], case.order, case.seller_order["id"],
                             ESCALATION_LABELS["buyer_refused"])


async def withdraw(claim_id: int, *, account_id: int, settings: Settings, now: dt.datetime | None = None) -> None:
    """The buyer withdraws the claim: the seller is told; it still counts as a claim in the seller's rates
    (it was opened), unless the operator had rejected it."""
    now = now or _now()
    async with write_transaction(Order._meta.db):
        case = await _case(claim_id, account_id=account_id)
        if case.claim["status"] not in WITHDRAWABLE:
            raise Refused("claim", "This claim has already ended.")
        await _move(claim_id, WITHDRAWABLE, ClaimStatus.withdrawn, resolved_at=now)
        await mail.withdrawn(settings, case.seller["email"], case.order, case.seller_order["id"])


async def mark_sent(claim_id: int, *, seller_id: int, carrier: str, tracking_number: str, settings: Settings,
                    now: dt.datetime | None = None) -> None:
    """The seller sent the repaired or replacement item back: the claim is resolved."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    refuse_if({name: message for name, message in (
        ("carrier", "Give the carrier." if not carrier else ""),
        ("tracking_number", "Give the tracking number." if not tracking_number else "")) if message})
    now = now or _now()
    async with write_transaction(Order._meta.db):
        case = await _case(claim_id, seller_id=seller_id)
        if case.claim["status"] != ClaimStatus.accepted:
            raise Refused("claim", "This claim is not waiting for a repair or a replacement.")
        await _move(claim_id, (ClaimStatus.accepted,), ClaimStatus.resolved, return_carrier=carrier[:60],
                    return_tracking=tracking_number[:60], resolved_at=now)
        await mail.item_sent(settings, case.buyer_email, case.order, case.seller["name"], carrier, tracking_number)
        await figures.recompute(seller_id)


async def decide(claim_id: int, decision: DecisionInput, *, operator_id: int, settings: Settings,
                 now: dt.datetime | None = None) -> None:
    """The operator decides an escalated claim, with reasons that go to the audit log and to both sides."""
    refuse_if(decision.problems())
    now = now or _now()
    outcome = ClaimDecision(decision.outcome)
    reasons = decision.reasons.strip()
    async with write_transaction(Order._meta.db):
        case = await _case(claim_id)
        if case.claim["status"] != ClaimStatus.escalated:
            raise Refused("claim", "This claim is not waiting for a decision.")
        to_status = ClaimStatus.accepted if outcome in (ClaimDecision.repair, ClaimDecision.replacement) \
            else ClaimStatus.closed
        await _move(claim_id, (ClaimStatus.escalated,), to_status, decision=outcome, decision_reasons=reasons,
                    decided_by=operator_id, decided_at=now,
                    resolution=ClaimResolution(outcome) if to_status == ClaimStatus.accepted else case.claim[
                        "resolution"],
                    resolved_at=now if to_status == ClaimStatus.closed else None)
        refunded = 0
        if outcome == ClaimDecision.refund:
            amount = decision.amount_cents or 0
            refunded = await _book_refund(case, amount, RefundReason.operator,
                                          f"claim {claim_id}: decided by the operator", now)
        detail = f"{DECISION_LABELS[outcome]}"
        if refunded:
            detail += f" ({money(refunded)} to the buyer)"
        await audit(operator_id, "claim decided", "claim", claim_id,
                    f"{detail}, order {case.order['reference']}. Reasons: {reasons}")
        await mail.decided(settings, case.buyer_email, case.seller["email"], case.order, case.seller_order["id"],
                           DECISION_LABELS[outcome], reasons, refunded)
        await figures.recompute(case.seller["id"])


async def escalate_due(settings: Settings, *, now: dt.datetime | None = None) -> int:
    """The `escalate-claims` job: claims the seller left without a proposal for CLAIM_ANSWER_DAYS, and proposals
    the buyer left unanswered for CLAIM_BUYER_DAYS, go to the operator. Each claim is claimed by one run (the
    conditional UPDATE), so two workers at once escalate it once. Returns how many this run escalated."""
    now = now or _now()
    seller_late = await Claim.select(Claim.id).where(
        Claim.status.is_in([ClaimStatus.open, ClaimStatus.answered])
        & (Claim.created_at <= now - dt.timedelta(days=settings.claim_answer_days)))
    buyer_late = await Claim.select(Claim.id).where(
        (Claim.status == ClaimStatus.proposed)
        & (Claim.answered_at <= now - dt.timedelta(days=settings.claim_buyer_days)))
    escalated = 0
    for rows, from_statuses, why in (
            (seller_late, (ClaimStatus.open, ClaimStatus.answered), "seller_silent"),
            (buyer_late, (ClaimStatus.proposed,), "buyer_silent")):
        for row in rows:
            try:
                async with write_transaction(Order._meta.db):
                    await _move(row["id"], from_statuses, ClaimStatus.escalated, escalated_at=now, escalation=why)
                    case = await _case(row["id"])
                    await mail.escalated(settings, case.buyer_email, case.seller["email"], case.order,
                                         case.seller_order["id"], ESCALATION_LABELS[why])
            except Refused:
                continue  # another run, the buyer or the seller moved it first
            escalated += 1
    return escalated
