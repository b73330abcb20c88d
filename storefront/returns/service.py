"""Every move of a return goes through here: the buyer's request and cancellation, the seller's label,
receipt and refund, the escalation to the operator and the operator's decision.

A move is a conditional UPDATE on the return's current status inside a write transaction, so two clicks,
two tabs or two workers apply it once; the refund is booked (`storefront.payments.refunds.book`) in the same
transaction as the move that decides it. Refusals are `Refused(field, message)`.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from storefront.accounts.tables import Account
from storefront.db import is_unique_violation, write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.moderation.decisions import audit
from storefront.orders.history import delivery_date
from storefront.orders.tables import Order, OrderLine, SellerOrder
from storefront.payments import refunds
from storefront.payments.states import RefundReason
from storefront.returns import notifications, rules
from storefront.returns.notifications import Parties
from storefront.returns.states import OPEN_STATUSES, ReturnKind, ReturnStatus
from storefront.returns.tables import Return, ReturnEvent
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.units import money, parse_euros

MAX_REASON = 1_000
# The demo's labels: a sandbox carrier, whose tracking numbers we make up.
SANDBOX_CARRIER = "Encore Returns (sandbox)"
KIND_WORDS = {ReturnKind.withdrawal: "withdrawal", ReturnKind.return_: "return"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RequestInput:
    """What the buyer adds to a withdrawal or return: an optional reason (the law asks for none)."""

    reason: str

    def problems(self) -> dict[str, str]:
        if len(self.reason.strip()) > MAX_REASON:
            return {"reason": f"Keep the reason to {MAX_REASON:,} characters or fewer (it has "
                              f"{len(self.reason.strip()):,}), or leave it out: none is needed."}
        return {}


@dataclass(frozen=True)
class RefundInput:
    """The refund decided after checking the item: the amount as typed (empty means all that is left) and, when
    it is less, the reason (diminished value from handling beyond what was needed to check the item)."""

    amount: str
    reduction_reason: str

    def cents(self, left_cents: int) -> int:
        return left_cents if not self.amount.strip() else (parse_euros(self.amount) or 0)

    def problems(self, left_cents: int) -> dict[str, str]:
        found: dict[str, str] = {}
        amount = parse_euros(self.amount) if self.amount.strip() else left_cents
        if amount is None or amount <= 0:
            found["amount"] = "Give the amount in euros, such as 129.00."
        elif amount > left_cents:
            found["amount"] = f"At most {money(left_cents)} is left to refund on this order."
        elif amount < left_cents and not self.reduction_reason.strip():
            found["reduction_reason"] = ("Say why the refund is reduced: the item lost value through handling beyond "
                                         "what was needed to check it.")
        if len(self.reduction_reason.strip()) > MAX_REASON:
            found["reduction_reason"] = f"Keep the reason to {MAX_REASON:,} characters or fewer."
        return found


@dataclass(frozen=True)
class DecisionInput:
    """The operator's reasons for refunding or closing: written to the audit log and sent to both sides."""

    reasons: str

    def problems(self) -> dict[str, str]:
        reasons = self.reasons.strip()
        if not reasons:
            return {"reasons": "Write the reasons for this decision: both sides receive them."}
        if len(reasons) > MAX_REASON:
            return {"reasons": f"Keep the reasons to {MAX_REASON:,} characters or fewer."}
        return {}


def statement_text(*, kind: str, buyer_name: str, address: list[str], reference: str, ordered_on: dt.date,
                   delivered_on: dt.date, lines: list[dict[str, Any]], reason: str) -> str:
    """The buyer's statement, in the words of the model withdrawal form: what the acknowledgement repeats."""
    items = "\n".join(f"- {line['quantity']} × {line['title']} ({line['grade']})" for line in lines)
    verb = "withdraw from" if kind == ReturnKind.withdrawal else "return the goods of"
    text = (f"I hereby {verb} my contract for the sale of the following goods:\n{items}\n"
            f"Order {reference}, ordered on {ordered_on:%d %B %Y}, received on {delivered_on:%d %B %Y}.\n"
            f"Name: {buyer_name}\nAddress: {', '.join(part for part in address if part.strip())}")
    return text + (f"\nReason given: {reason}" if reason else "")


async def _parties(ret: dict[str, Any]) -> Parties:
    so = await SellerOrder.select(SellerOrder.order).where(SellerOrder.id == ret["seller_order"]).first()
    assert so is not None
    order = await Order.select(Order.reference, Order.delivery_name).where(Order.id == so["order"]).first()
    buyer = await Account.select(Account.email).where(Account.id == ret["account"]).first()
    seller = await Seller.select(Seller.name, Seller.email).where(Seller.id == ret["seller"]).first()
    assert order is not None and buyer is not None and seller is not None
    return Parties(return_id=ret["id"], kind=ret["kind"], reference=order["reference"], buyer_email=buyer["email"],
                   buyer_name=order["delivery_name"], seller_email=seller["email"], seller_name=seller["name"],
                   refund_due_on=ret["refund_due_on"])


async def _event(return_id: int, status: str, note: str, at: dt.datetime) -> None:
    await ReturnEvent.insert(ReturnEvent(return_request=return_id, status=status, note=note, created_at=at))


async def _move(ret: dict[str, Any], to_status: ReturnStatus, note: str, at: dt.datetime, *,
                allowed_from: tuple[str, ...], **values: Any) -> dict[str, Any]:
    """The conditional UPDATE: applies only while the return is still in the status it was read in."""
    if ret["status"] not in allowed_from:
        raise Refused("action", _not_now(ret["status"], to_status))
    changes = {getattr(Return, name): value for name, value in values.items()}
    changes[Return.status] = to_status
    if to_status not in OPEN_STATUSES:
        changes[Return.open_for] = None
        changes[Return.ended_at] = at
    moved = await Return.update(changes).where(
        (Return.id == ret["id"]) & (Return.status == ret["status"])).returning(Return.id)
    if not moved:
        raise Refused("action", "This return changed in the meantime: here is where it stands now.")
    await _event(ret["id"], to_status, note, at)
    return {**ret, **values, "status": to_status}


STATUS_WORDS = {
    ReturnStatus.requested: "waits for the seller's return label",
    ReturnStatus.label_issued: "waits for the item to come back",
    ReturnStatus.received: "is being checked by the seller",
    ReturnStatus.refunded: "is refunded",
    ReturnStatus.escalated: "is with Encore's team",
    ReturnStatus.cancelled: "was cancelled by the buyer",
    ReturnStatus.closed: "was closed",
}


MOVE_WORDS = {
    ReturnStatus.label_issued: "given a label", ReturnStatus.received: "marked received",
    ReturnStatus.refunded: "refunded", ReturnStatus.escalated: "escalated", ReturnStatus.cancelled: "cancelled",
    ReturnStatus.closed: "closed",
}


def _not_now(status: str, wanted: ReturnStatus) -> str:
    return f"This return {STATUS_WORDS[ReturnStatus(status)]}: it cannot be {MOVE_WORDS.get(wanted, wanted)} now."


async def _return_of(return_id: int, *, seller_id: int | None = None, account_id: int | None = None
                     ) -> dict[str, Any]:
    query = Return.select().where(Return.id == return_id)
    if seller_id is not None:
        query = query.where(Return.seller == seller_id)
    if account_id is not None:
        query = query.where(Return.account == account_id)
    row = await query.first()
    if row is None:
        raise NotFound(return_id)  # someone else's return looks like a missing one
    return row


async def request(seller_order_id: int, *, account_id: int, kind: ReturnKind, reason: str, settings: Settings,
                  now: dt.datetime | None = None) -> int:
    """The buyer withdraws, or returns after the withdrawal period, the whole of a delivered seller order.
    Acknowledged at once by e-mail to the buyer (date, time and the statement) and told to the seller."""
    now = now or _now()
    refuse_if(RequestInput(reason).problems())
    reason = reason.strip()
    try:
        async with write_transaction(Return._meta.db):
            so = await SellerOrder.select().where(SellerOrder.id == seller_order_id).first()
            order = so and await Order.select().where(Order.id == so["order"]).first()
            if so is None or order is None or order["account"] != account_id:
                raise NotFound(seller_order_id)
            delivered_on = delivery_date(so["delivered_at"]) if so["status"] == "delivered" else None
            if delivered_on is None:
                raise Refused("kind", "This part of the order is not delivered: the withdrawal period starts on "
                                      "delivery. Before shipping you can cancel it instead.")
            window = rules.window(delivered_on, now.date(), settings)
            if window.kind is None:
                raise Refused("kind", f"The return window ended on {window.return_until:%d %B %Y}. If the item "
                                      f"is faulty, the legal guarantee of conformity still covers it: use “Get "
                                      f"help” on your order.")
            if kind == ReturnKind.withdrawal and window.kind != ReturnKind.withdrawal:
                raise Refused("kind", f"The withdrawal period ended on {window.withdrawal_until:%d %B %Y}. You can "
                                      f"still return it until {window.return_until:%d %B %Y}.")
            if await Return.exists().where(Return.open_for == seller_order_id):
                raise Refused("kind", "A return of this part of the order is already under way.")
            if await Return.exists().where((Return.seller_order == seller_order_id)
                                           & (Return.status == ReturnStatus.refunded)):
                raise Refused("kind", "This part of the order was already returned and refunded. If something is "
                                      "still wrong, use “Get help” on your order.")
            if await Return.exists().where((Return.seller_order == seller_order_id)
                                           & (Return.status == ReturnStatus.closed)):
                raise Refused("kind", "Encore's team closed the return of this part with its reasons. If the item "
                                      "is faulty, use “Get help” on your order.")
            if await refunds.left_to_refund(so) <= 0:
                raise Refused("kind", "This part of the order has already been refunded in full.")
            kind = window.kind  # a return asked within the withdrawal period is a withdrawal
            created = (await Return.insert(Return(
                seller_order=seller_order_id, seller=so["seller"], account=account_id, kind=kind,
                status=ReturnStatus.requested, open_for=seller_order_id, reason=reason, requested_at=now,
                action_due_at=rules.seller_action_due(now, settings), refund_due_on=rules.refund_due_on(now),
            )).returning(Return.id))[0]["id"]
            await _event(created, ReturnStatus.requested, f"{KIND_WORDS[kind].capitalize()} requested by the buyer.",
                         now)
            lines = await OrderLine.select().where(OrderLine.seller_order == seller_order_id).order_by(OrderLine.id)
            address = [order["delivery_line1"], order["delivery_line2"],
                       f"{order['delivery_postcode']} {order['delivery_city']}"]
            statement = statement_text(kind=kind, buyer_name=order["delivery_name"], address=address,
                                       reference=order["reference"], ordered_on=order["created_at"].date(),
                                       delivered_on=delivered_on, lines=lines, reason=reason)
            ret = await Return.select().where(Return.id == created).first()
            assert ret is not None
            await notifications.requested(settings, await _parties(ret), at=now, statement=statement,
                                          label_due=rules.seller_action_due(now, settings))
    except Exception as error:
        if is_unique_violation(error):  # another request for the same part committed first
            raise Refused("kind", "A return of this part of the order is already under way.") from None
        raise
    return created


def tracking_number() -> str:
    """A sandbox tracking number: no carrier is asked in the demo."""
    return f"ER{secrets.randbelow(10**10):010d}FR"


async def issue_label(return_id: int, *, seller_id: int, settings: Settings, now: dt.datetime | None = None) -> str:
    """The seller issues a prepaid return label (sandbox carrier); returns its tracking number."""
    now = now or _now()
    tracking = tracking_number()
    async with write_transaction(Return._meta.db):
        ret = await _return_of(return_id, seller_id=seller_id)
        ret = await _move(ret, ReturnStatus.label_issued, f"Return label issued: {SANDBOX_CARRIER}, tracking "
                          f"{tracking}.", now, allowed_from=(ReturnStatus.requested,), carrier=SANDBOX_CARRIER,
                          tracking_number=tracking, label_issued_at=now,
                          action_due_at=rules.parcel_due(now, settings))
        await notifications.label_issued(settings, await _parties(ret), carrier=SANDBOX_CARRIER, tracking=tracking)
    return tracking


async def mark_received(return_id: int, *, seller_id: int, settings: Settings,
                        now: dt.datetime | None = None) -> None:
    """The item is back with the seller, who now checks it and refunds within its action time."""
    now = now or _now()
    async with write_transaction(Return._meta.db):
        ret = await _return_of(return_id, seller_id=seller_id)
        due = rules.seller_action_due(now, settings, ret["refund_due_on"])
        ret = await _move(ret, ReturnStatus.received, "The seller received the item and is checking it.", now,
                          allowed_from=(ReturnStatus.label_issued,), received_at=now, action_due_at=due)
        await notifications.received(settings, await _parties(ret), refund_due=due)


async def _book(ret: dict[str, Any], decision: RefundInput, reason: RefundReason, note: str, at: dt.datetime,
                ) -> tuple[int, int]:
    so = await SellerOrder.select().where(SellerOrder.id == ret["seller_order"]).first()
    assert so is not None
    left = await refunds.left_to_refund(so)
    refuse_if(decision.problems(left))
    amount = decision.cents(left)
    try:
        booked = await refunds.book(so, amount, reason, note=note[:200], at=at)
    except refunds.RefundTooLarge:
        # A claim's refund of the same part committed meanwhile (refunds.book re-reads under the order's lock).
        raise Refused("amount", "Part of this order was refunded meanwhile: reload the page to see what is "
                                "left to refund.") from None
    return amount, booked.to_buyer_cents


async def refund(return_id: int, *, seller_id: int, decision: RefundInput, settings: Settings,
                 now: dt.datetime | None = None) -> int:
    """The seller checked the item and refunds: all that is left of the seller order (item and original
    delivery), or less with the reason. Returns what goes back to the buyer, service fee included."""
    now = now or _now()
    async with write_transaction(Return._meta.db):
        ret = await _return_of(return_id, seller_id=seller_id)
        reduction = decision.reduction_reason.strip()
        # The move first: of two clicks, the second finds it refunded and books nothing.
        ret = await _move(ret, ReturnStatus.refunded, "Checked by the seller and refunded." + (
            f" Reduced: {reduction}" if reduction else ""), now, allowed_from=(ReturnStatus.received,),
            refunded_at=now, action_due_at=None, reduction_reason=reduction)
        reason = RefundReason.withdrawal if ret["kind"] == ReturnKind.withdrawal else RefundReason.return_
        amount, to_buyer = await _book(ret, decision, reason, reduction, now)
        await Return.update({Return.refund_cents: amount}).where(Return.id == return_id)
        await notifications.refunded(settings, await _parties(ret), to_buyer_cents=to_buyer, amount_cents=amount,
                                     reduction_reason=reduction, by_operator=False)
    return to_buyer


async def cancel(return_id: int, *, account_id: int, settings: Settings, now: dt.datetime | None = None) -> None:
    """The buyer changes their mind before sending the item back: they keep it, nothing is refunded."""
    now = now or _now()
    async with write_transaction(Return._meta.db):
        ret = await _return_of(return_id, account_id=account_id)
        ret = await _move(ret, ReturnStatus.cancelled, "Cancelled by the buyer before sending the item.", now,
                          allowed_from=(ReturnStatus.requested, ReturnStatus.label_issued), action_due_at=None)
        await notifications.cancelled(settings, await _parties(ret))


WAITING_FOR = {ReturnStatus.requested: "issue the return label",
               ReturnStatus.label_issued: "mark the parcel received (or it was not sent)",
               ReturnStatus.received: "refund the checked item"}


async def escalate_overdue(settings: Settings, *, now: dt.datetime | None = None) -> int:
    """The scheduled job: a return whose seller let its action time pass goes to the operator. Safe from
    several workers at once: the conditional UPDATE claims each return for one of them. Returns how many."""
    now = now or _now()
    due = await Return.select().where(
        Return.status.is_in(list(WAITING_FOR)) & (Return.action_due_at <= now)).order_by(Return.id)
    escalated = 0
    for ret in due:
        async with write_transaction(Return._meta.db):
            claimed = await Return.update({Return.status: ReturnStatus.escalated, Return.escalated_at: now,
                                           Return.action_due_at: None}).where(
                (Return.id == ret["id"]) & (Return.status == ret["status"]) & (Return.action_due_at <= now)
            ).returning(Return.id)
            if not claimed:
                continue
            waiting_for = WAITING_FOR[ReturnStatus(ret["status"])]
            await _event(ret["id"], ReturnStatus.escalated, f"The seller did not {waiting_for} in time: Encore's "
                         f"team decides.", now)
            await notifications.escalated(settings, await _parties(ret), waiting_for=waiting_for)
            escalated += 1
    return escalated


async def operator_refund(return_id: int, *, operator_id: int, decision: RefundInput, reasons: str,
                          settings: Settings, now: dt.datetime | None = None) -> int:
    """The operator refunds an open return (escalated, or any the seller has not ended), with reasons kept in
    the audit log and sent to both sides. Returns what goes back to the buyer."""
    now = now or _now()
    refuse_if(DecisionInput(reasons).problems())
    reasons = reasons.strip()
    async with write_transaction(Return._meta.db):
        ret = await _return_of(return_id)
        reduction = decision.reduction_reason.strip()
        ret = await _move(ret, ReturnStatus.refunded, f"Refunded by Encore's team: {reasons}", now,
                          allowed_from=OPEN_STATUSES, refunded_at=now, action_due_at=None,
                          reduction_reason=reduction, decision_note=reasons)
        amount, to_buyer = await _book(ret, decision, RefundReason.operator, reasons, now)
        await Return.update({Return.refund_cents: amount}).where(Return.id == return_id)
        await audit(operator_id, "return refunded", "return", return_id, f"{money(amount)} refunded: {reasons}")
        await notifications.refunded(settings, await _parties(ret), to_buyer_cents=to_buyer, amount_cents=amount,
                                     reduction_reason=reduction, by_operator=True, note=reasons)
    return to_buyer


async def operator_close(return_id: int, *, operator_id: int, reasons: str, settings: Settings,
                         now: dt.datetime | None = None) -> None:
    """The operator ends an open return without a refund, with reasons (audit log, both sides told)."""
    now = now or _now()
    refuse_if(DecisionInput(reasons).problems())
    reasons = reasons.strip()
    async with write_transaction(Return._meta.db):
        ret = await _return_of(return_id)
        ret = await _move(ret, ReturnStatus.closed, f"Closed by Encore's team: {reasons}", now,
                          allowed_from=OPEN_STATUSES, action_due_at=None, decision_note=reasons)
        await audit(operator_id, "return closed", "return", return_id, reasons)
        await notifications.closed(settings, await _parties(ret), note=reasons)
