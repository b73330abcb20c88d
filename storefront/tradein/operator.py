"""The operator's hand on trade-ins: suspending one (every clock stops) and resuming it (the clocks move on by the
time spent suspended), disputes either side raises, and the operator's decision on them (pay the quote, or have
the device returned free). Every measure goes through `moves.move` (a conditional UPDATE: two clicks at once, one
wins) and its reasons into the audit log."""
from __future__ import annotations

import datetime as dt
from typing import Any

from storefront.accounts.tables import Account
from storefront.db import write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.mail.outbox import queue
from storefront.moderation.decisions import audit
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein import money
from storefront.tradein.moves import hold, move, now_utc, trade_in_of
from storefront.tradein.states import TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInDispute, TradeInEvent

# Steps a trade-in can still move from: the operator may stop any of them.
OPEN_STATUSES = (TradeInStatus.to_send, TradeInStatus.sent, TradeInStatus.received,
                 TradeInStatus.counter_offered, TradeInStatus.returning)
# A dispute is decided once the device is with the refurbisher: it pays the quote or sends the device back.
DECIDABLE_STATUSES = (TradeInStatus.received, TradeInStatus.counter_offered)
# When either side may raise a dispute: while the refurbisher holds the device (received, or a counter-offer
# waiting), or while the operator has stopped it at one of those steps. Those are exactly the steps Encore can
# decide a dispute at (pay the quote or send the device back): a dispute raised earlier (the parcel on its way)
# or later (a return already under way, paid, returned) could never be decided and would stay open for good.
# A person whose parcel went missing, or whose return does not come, writes to Encore's contact address.
DISPUTE_SIDES = ("person", "refurbisher")
MIN_DISPUTE_REASON = 10
PAY, RETURN = "pay", "return"
OUTCOME_LABELS = {PAY: "Pay the quote to the person", RETURN: "Send the device back to the person, free"}
MAX_REASONS = 2_000


def _reasons_problem(reasons: str, field: str = "reasons") -> dict[str, str]:
    if not reasons.strip():
        return {field: "Give the reasons: they are kept in the audit log and sent to both sides."}
    if len(reasons) > MAX_REASONS:
        return {field: f"At most {MAX_REASONS:,} characters."}
    return {}


def may_raise_dispute(status: str, suspended_from: str = "") -> bool:
    """Whether a dispute can be raised on a trade-in at `status` (and, suspended, stopped at `suspended_from`)."""
    at_step = suspended_from if status == TradeInStatus.suspended else status
    return at_step in DECIDABLE_STATUSES


def _dispute_reason_problem(reason: str) -> dict[str, str]:
    if reason.strip() and len(reason.strip()) < MIN_DISPUTE_REASON:
        return {"reason": f"Say what went wrong in a sentence (at least {MIN_DISPUTE_REASON} characters)."}
    return _reasons_problem(reason, "reason")


async def disputes_of(trade_in_id: int) -> list[dict[str, Any]]:
    """A trade-in's disputes, oldest first, as both sides' pages show them: who raised it and why, and, once
    decided, the outcome and Encore's reasons."""
    rows = await TradeInDispute.select(
        TradeInDispute.id, TradeInDispute.raised_by, TradeInDispute.reason, TradeInDispute.created_at,
        TradeInDispute.decision, TradeInDispute.decision_reasons, TradeInDispute.decided_at).where(
        TradeInDispute.trade_in == trade_in_id).order_by(TradeInDispute.id)
    return [{**row, "open": not row["decision"], "decision_label": OUTCOME_LABELS.get(row["decision"], "")}
            for row in rows]


async def contacts(trade_in: dict[str, Any]) -> tuple[str, str]:
    """The person's and the refurbisher's e-mail addresses."""
    person = await Account.select(Account.email).where(Account.id == trade_in["account"]).first()
    seller = await Seller.select(Seller.email).where(Seller.id == trade_in["seller"]).first()
    return (person["email"] if person else ""), (seller["email"] if seller else "")


async def _tell_both(trade_in: dict[str, Any], settings: Settings, kind: str, subject: str, body: str) -> None:
    for address in await contacts(trade_in):
        if address:
            await queue(to=address, kind=kind, subject=f"Trade-in {trade_in['reference']}: {subject}",
                        body=f"{body}\n\n{settings.brand_name}\n")


async def suspend(trade_in_id: int, *, operator_id: int, reasons: str, settings: Settings,
                  now: dt.datetime | None = None) -> None:
    """Stops the trade-in where it is (any open step) and every clock with it; refused when it is not open."""
    refuse_if(_reasons_problem(reasons))
    now = now or now_utc()
    async with write_transaction(TradeIn._meta.db):
        trade_in = await trade_in_of(trade_in_id)
        await move(trade_in, OPEN_STATUSES, TradeInStatus.suspended, actor="operator", note=reasons.strip(), at=now,
                   suspended_from=trade_in["status"], suspended_at=now)
        await audit(operator_id, "trade-in suspended", "trade_in", trade_in_id, reasons.strip())
        await _tell_both(trade_in, settings, "tradein_suspended", "suspended by Encore",
                         "Encore's team has suspended this trade-in while it looks into it. No deadline runs "
                         f"meanwhile.\n\nReasons: {reasons.strip()}")


def _moved_on(moment: dt.datetime | None, by: dt.timedelta) -> dt.datetime | None:
    return None if moment is None else moment + by


async def _leave_suspension(trade_in: dict[str, Any], to_status: TradeInStatus, *, note: str,
                            now: dt.datetime, **values: Any) -> None:
    """Moves a suspended trade-in on; the clocks move by the time it spent suspended, so nobody loses a day."""
    paused = now - trade_in["suspended_at"] if trade_in["suspended_at"] else dt.timedelta(0)
    await move(trade_in, (TradeInStatus.suspended,), to_status, actor="operator", note=note, at=now,
               ship_by=_moved_on(trade_in["ship_by"], paused),
               counter_expires_at=_moved_on(trade_in["counter_expires_at"], paused),
               suspended_from="", suspended_at=None, **values)


async def resume(trade_in_id: int, *, operator_id: int, reasons: str, settings: Settings,
                 now: dt.datetime | None = None) -> None:
    """Puts a suspended trade-in back at the step it was stopped at, its deadlines moved on."""
    refuse_if(_reasons_problem(reasons))
    now = now or now_utc()
    async with write_transaction(TradeIn._meta.db):
        trade_in = await trade_in_of(trade_in_id)
        if trade_in["status"] != TradeInStatus.suspended:
            raise Refused("status", "This trade-in is not suspended.")
        await _leave_suspension(trade_in, TradeInStatus(trade_in["suspended_from"]), note=reasons.strip(), now=now)
        await audit(operator_id, "trade-in resumed", "trade_in", trade_in_id, reasons.strip())
        await _tell_both(trade_in, settings, "tradein_resumed", "resumed",
                         f"Encore's team has resumed this trade-in.\n\nReasons: {reasons.strip()}")


async def raise_dispute(trade_in_id: int, by: str, reason: str, *, settings: Settings,
                        now: dt.datetime | None = None, account_id: int | None = None,
                        seller_id: int | None = None) -> int:
    """Records a dispute the person or the refurbisher raises (a line in the trade-in's history too), lists it
    for the operator and e-mails the operator's contact address and the other side. One open dispute per
    trade-in at a time, and only at a step Encore can decide it at (`may_raise_dispute`). With `account_id` or
    `seller_id`, only that person's or that refurbisher's trade-in (someone else's looks missing)."""
    problems = {} if by in DISPUTE_SIDES else {"by": "Only the person or the refurbisher raises a dispute."}
    problems |= _dispute_reason_problem(reason)
    refuse_if(problems)
    now = now or now_utc()
    async with write_transaction(TradeIn._meta.db):
        await hold(trade_in_id)  # two sides raising at once: the second sees the first's dispute
        trade_in = await trade_in_of(trade_in_id, account_id=account_id, seller_id=seller_id)
        if not may_raise_dispute(trade_in["status"], trade_in["suspended_from"]):
            raise Refused("status", "A dispute is raised while the refurbisher has the device (received or "
                                    "counter-offered); at this step, write to Encore's team instead.")
        dispute = await open_dispute(trade_in, by, reason.strip(), settings=settings, now=now)
        if dispute is None:
            raise Refused("reason", "A dispute on this trade-in is already waiting for Encore's decision.")
        await _tell_other_side(trade_in, by, reason.strip(), settings)
    return dispute


async def open_dispute(trade_in: dict[str, Any], by: str, reason: str, *, settings: Settings,
                       now: dt.datetime) -> int | None:
    """Opens a dispute in the caller's write transaction (the trade-in's row held): a line in its history, listed
    for the operator, who is e-mailed. None when one is already open: the reason is then added to its history,
    where the operator reads it too."""
    if await TradeInDispute.exists().where((TradeInDispute.trade_in == trade_in["id"])
                                           & (TradeInDispute.decision == "")):
        await TradeInEvent.insert(TradeInEvent(trade_in=trade_in["id"], status=trade_in["status"], actor=by,
                                               note=f"Added to the open dispute: {reason}", created_at=now))
        return None
    dispute = (await TradeInDispute.insert(TradeInDispute(
        trade_in=trade_in["id"], raised_by=by, reason=reason, created_at=now)).returning(TradeInDispute.id))[0]["id"]
    await TradeInEvent.insert(TradeInEvent(trade_in=trade_in["id"], status=trade_in["status"], actor=by,
                                           note=f"Dispute raised: {reason}", created_at=now))
    await queue(to=settings.operator.contact_email, kind="tradein_dispute",
                subject=f"Trade-in {trade_in['reference']}: a dispute from the {by}",
                body=(f"The {by} raised a dispute on trade-in {trade_in['reference']}:\n\n{reason}\n\n"
                      f"Decide it: {settings.public_base_url}/ops/trade-ins/{trade_in['id']}\n"))
    return int(dispute)


async def _tell_other_side(trade_in: dict[str, Any], by: str, reason: str, settings: Settings) -> None:
    """The side that did not raise the dispute hears of it, with the reason and where to follow it."""
    person_email, seller_email = await contacts(trade_in)
    if by == "person":
        to, raiser = seller_email, "The person who sold you the device"
        page = f"{settings.public_base_url}/seller/trade-in/devices/{trade_in['id']}"
    else:
        to, raiser = person_email, "The refurbisher"
        page = f"{settings.public_base_url}/account/trade-ins/{trade_in['reference']}"
    if not to:
        return
    await queue(to=to, kind="tradein_dispute_raised",
                subject=f"Trade-in {trade_in['reference']}: a dispute was raised",
                body=(f"{raiser} raised a dispute on trade-in {trade_in['reference']}:\n\n{reason}\n\n"
                      f"{settings.brand_name}'s team decides it and writes to you both with its reasons. "
                      f"Follow it here: {page}\n\n{settings.brand_name}\n"))


async def decide_dispute(dispute_id: int, *, outcome: str, reasons: str, operator_id: int, settings: Settings,
                         now: dt.datetime | None = None) -> None:
    """The operator's decision: pay the quote (booked through the ledger) or send the device back free. The
    dispute is claimed by a conditional UPDATE, the trade-in moved by `move`: a second click is refused."""
    problems = {} if outcome in OUTCOME_LABELS else {"outcome": "Choose an outcome."}
    problems |= _reasons_problem(reasons)
    refuse_if(problems)
    now = now or now_utc()
    async with write_transaction(TradeIn._meta.db):
        dispute = await TradeInDispute.select().where(TradeInDispute.id == dispute_id).first()
        if dispute is None:
            raise NotFound(dispute_id)
        trade_in = await trade_in_of(dispute["trade_in"])
        at_step = (TradeInStatus(trade_in["suspended_from"]) if trade_in["status"] == TradeInStatus.suspended
                   else TradeInStatus(trade_in["status"]))
        if at_step not in DECIDABLE_STATUSES:
            raise Refused("outcome", "Decide once the refurbisher has the device (received or counter-offered).")
        claimed = await TradeInDispute.update({
            TradeInDispute.decision: outcome, TradeInDispute.decision_reasons: reasons.strip(),
            TradeInDispute.decided_by: operator_id, TradeInDispute.decided_at: now,
        }).where((TradeInDispute.id == dispute_id) & (TradeInDispute.decision == "")).returning(TradeInDispute.id)
        if not claimed:
            raise Refused("outcome", "This dispute has already been decided.")
        note = f"Dispute decided: {OUTCOME_LABELS[outcome].lower()}. {reasons.strip()}"
        if outcome == PAY:
            rate = settings.tradein.commission_basis_points
            commission = money.commission_for(trade_in["quote_cents"], rate)
            values = {"paid_cents": trade_in["quote_cents"], "commission_cents": commission}
            to_status = TradeInStatus.paid
        else:
            values, to_status = {}, TradeInStatus.returning
        if trade_in["status"] == TradeInStatus.suspended:
            await _leave_suspension(trade_in, to_status, note=note, now=now, **values)
        else:
            await move(trade_in, DECIDABLE_STATUSES, to_status, actor="operator", note=note, at=now, **values)
        if outcome == PAY:
            await money.book_payment(trade_in, trade_in["quote_cents"], settings.tradein.commission_basis_points,
                                     at=now)
        await audit(operator_id, f"trade-in dispute: {outcome}", "trade_in", trade_in["id"],
                    f"dispute {dispute_id}; {reasons.strip()}")
        await _tell_both(trade_in, settings, "tradein_dispute_decided", "Encore decided the dispute",
                         f"Encore's decision: {OUTCOME_LABELS[outcome].lower()}.\n\nReasons: {reasons.strip()}")
