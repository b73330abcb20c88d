"""Refunds: money going back to a buyer for all or part of one seller order, whatever the reason (the seller
refused, the buyer cancelled or withdrew, a return, a claim, the operator's decision).

`book` is the one place a refund is decided. It runs inside the caller's write transaction (the move of the
order, the return or the claim that causes it), so the decision and its money commit together:

- never more than what is left of the seller order's total (items and shipping);
- the seller's commission is handed back in proportion: once refunds totalling R of a seller order of total T
  on which the commission C was charged have been booked, C × R ÷ T (rounded down) has been handed back, so a
  full refund hands back exactly C and partial refunds never hand back more;
- the service fee goes back with the refund that leaves nothing of the order kept (every seller order of the
  order refunded in full): the buyer then got nothing from the platform's service;
- ledger transactions, each summing to zero: `rfd:<id>` (seller's balance and service fee → `refunds_due`,
  owed to the buyer) and, when a commission was charged, `crv:<id>` (commission → seller);
- the order's row is locked first (a no-op UPDATE), so two refunds of one order at once (two parts cancelled
  from two tabs, a cancellation and a refusal) are decided one after the other on PostgreSQL, as SQLite's
  `BEGIN IMMEDIATE` already makes them: the service fee goes back once, and never more than is left.

The provider is asked after the commit (`send_pending`, woken after the response and run by the `send-refunds`
job), with the idempotency key `encore-refund-<id>`: a retry after a timeout, or two workers at once, make one
refund at the provider. Once it has accepted, `rfs:<id>` moves the money from `refunds_due` out of the
provider's clearing account, so that account follows what the provider really holds. A provider that cannot
be reached is asked again later, waiting longer each time, never given up on; a refund the provider refuses
is marked failed and shown to the operator, who sends it again once the cause is sorted out, under a new key
(the refused one made no refund, and a provider replays a refusal for the key it was given).
"""
from __future__ import annotations

import datetime as dt
import logging
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from storefront.orders.tables import Order, SellerOrder
from storefront.payments import ledger
from storefront.payments.provider import PaymentProvider, RefundRefused
from storefront.payments.states import RefundReason, RefundStatus
from storefront.payments.tables import LedgerEntry, Refund

log = logging.getLogger(__name__)

REASON_LABELS = {
    RefundReason.refusal: "The seller could not fulfil the order",
    RefundReason.cancellation: "You cancelled before shipping",
    RefundReason.withdrawal: "Withdrawal",
    RefundReason.return_: "Return",
    RefundReason.claim: "Claim resolved by a refund",
    RefundReason.operator: "Decided by Encore's team",
}
# The same reasons as the seller reads them.
SELLER_REASON_LABELS = {
    RefundReason.refusal: "you refused the order",
    RefundReason.cancellation: "the buyer cancelled before shipping",
    RefundReason.withdrawal: "the buyer withdrew",
    RefundReason.return_: "the buyer returned it",
    RefundReason.claim: "a claim resolved by a refund",
    RefundReason.operator: "decided by the operator",
}
STATUS_LABELS = {
    RefundStatus.pending: "being sent",
    RefundStatus.sent: "sent to your means of payment",
    RefundStatus.failed: "held up: our team is on it",
}
# A refund the provider could not be reached for waits this long times its attempts, at most the cap, before
# it is tried again.
RETRY_STEP = dt.timedelta(minutes=2)
RETRY_CAP = dt.timedelta(hours=1)


@dataclass
class BookedRefunds:
    booked: bool = False


_booked: ContextVar[BookedRefunds | None] = ContextVar("booked_refunds", default=None)


def watch_booked() -> tuple[BookedRefunds, Token[BookedRefunds | None]]:
    """Start noting, for the current context, whether a refund is booked, so that the request or job that
    booked it wakes `send-refunds` once it has committed; pair with `stop_watching`."""
    marks = BookedRefunds()
    return marks, _booked.set(marks)


def stop_watching(token: Token[BookedRefunds | None]) -> None:
    _booked.reset(token)


class RefundTooLarge(ValueError):
    """More than what is left to refund of the seller order; the message says how much is left."""


@dataclass(frozen=True)
class BookedRefund:
    id: int
    amount_cents: int  # from the seller order's total
    fee_cents: int  # the service fee given back with it
    commission_reversed_cents: int

    @property
    def to_buyer_cents(self) -> int:
        return self.amount_cents + self.fee_cents


@dataclass(frozen=True)
class RefundView:
    """A refund as the buyer and the seller read it in an order's money summary."""

    id: int
    seller_order_id: int
    reason: str
    reason_label: str
    seller_reason_label: str
    amount_cents: int
    fee_cents: int
    commission_reversed_cents: int
    status: str
    status_label: str
    created_at: dt.datetime

    @property
    def to_buyer_cents(self) -> int:
        return self.amount_cents + self.fee_cents


async def refunded_of(seller_order_ids: list[int]) -> dict[int, int]:
    """How much of each seller order's total has been refunded (service fee apart)."""
    if not seller_order_ids:
        return {}
    rows = await Refund.select(Refund.seller_order, Refund.amount_cents).where(
        Refund.seller_order.is_in(seller_order_ids))
    refunded: dict[int, int] = {}
    for row in rows:
        refunded[row["seller_order"]] = refunded.get(row["seller_order"], 0) + row["amount_cents"]
    return refunded


async def left_to_refund(seller_order: dict[str, Any]) -> int:
    return seller_order["total_cents"] - (await refunded_of([seller_order["id"]])).get(seller_order["id"], 0)


async def _commission_charged(seller_order_id: int) -> int:
    rows = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.transaction == f"com:{seller_order_id}") & (LedgerEntry.account == ledger.SELLER))
    return sum(row["amount_cents"] for row in rows)


async def book(seller_order: dict[str, Any], amount_cents: int, reason: RefundReason, *, note: str = "",
               at: dt.datetime | None = None) -> BookedRefund:
    """Decides a refund of `amount_cents` of the seller order (a row with id, order, seller, total_cents) and
    books it in the ledger. Must run inside the write transaction of the change that causes it."""
    now = at or dt.datetime.now(dt.UTC)
    refunded_before, already = await _refunds_so_far(seller_order)
    left = seller_order["total_cents"] - refunded_before
    if amount_cents <= 0 or amount_cents > left:
        raise RefundTooLarge(f"{left} cents are left to refund on this part of the order")
    return await _book(seller_order, amount_cents, reason, note, now, refunded_before, already)


async def book_rest(seller_order: dict[str, Any], reason: RefundReason, *, note: str = "",
                    at: dt.datetime | None = None) -> BookedRefund:
    """Refunds whatever is left of the seller order (all of it, unless a claim already refunded part): the part
    ends, refused or cancelled. Nothing left books nothing (and returns a refund of nothing)."""
    now = at or dt.datetime.now(dt.UTC)
    refunded_before, already = await _refunds_so_far(seller_order)
    left = seller_order["total_cents"] - refunded_before
    if left <= 0:
        return BookedRefund(0, 0, 0, 0)
    return await _book(seller_order, left, reason, note, now, refunded_before, already)


async def _refunds_so_far(seller_order: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """The seller order's earlier refunds and their sum, read under the order's lock: on PostgreSQL a no-op
    UPDATE holds the order's row until commit, so two refunds of one order are decided one after the other
    (SQLite's write lock does that already)."""
    await Order.update({Order.currency: Order.currency}).where(Order.id == seller_order["order"])
    already = await Refund.select(Refund.amount_cents, Refund.fee_cents, Refund.commission_reversed_cents).where(
        Refund.seller_order == seller_order["id"])
    return sum(r["amount_cents"] for r in already), already


async def _book(seller_order: dict[str, Any], amount_cents: int, reason: RefundReason, note: str,
                now: dt.datetime, refunded_before: int, already: list[dict[str, Any]]) -> BookedRefund:
    seller_order_id = seller_order["id"]
    commission = await _commission_charged(seller_order_id)
    reversed_before = sum(r["commission_reversed_cents"] for r in already)
    reversal = ledger.commission_share(commission, seller_order["total_cents"],
                                       refunded_before + amount_cents) - reversed_before

    order = await Order.select(Order.id, Order.service_fee_cents, Order.currency).where(
        Order.id == seller_order["order"]).first()
    assert order is not None  # a seller order always has its order
    parts = await SellerOrder.select(SellerOrder.id, SellerOrder.total_cents).where(
        SellerOrder.order == order["id"])
    refunded = await refunded_of([p["id"] for p in parts])
    refunded[seller_order_id] = refunded_before + amount_cents
    nothing_kept = all(refunded.get(p["id"], 0) >= p["total_cents"] for p in parts)
    fee_back_before = sum(row["fee_cents"] for row in await Refund.select(Refund.fee_cents).where(
        Refund.order == order["id"]))
    fee = order["service_fee_cents"] - fee_back_before if nothing_kept else 0

    refund = Refund(order=order["id"], seller_order=seller_order_id, reason=reason, amount_cents=amount_cents,
                    fee_cents=fee, commission_reversed_cents=reversal, currency=order["currency"], note=note,
                    status=RefundStatus.pending, created_at=now)
    await refund.save()
    seller_id = seller_order["seller"]
    await ledger.post(f"rfd:{refund.id}", order["id"], "refund",
                      ledger.refund_due_postings(seller_id, amount_cents, fee),
                      f"refunded to the buyer: {REASON_LABELS[reason].lower()}", at=now)
    if reversal:
        await ledger.post(f"crv:{refund.id}", order["id"], "commission_reversal",
                          ledger.commission_reversal_postings(seller_id, reversal),
                          "commission handed back on a refunded sale", at=now)
    if (watching := _booked.get()) is not None:
        watching.booked = True
    return BookedRefund(refund.id, amount_cents, fee, reversal)


def idempotency_key(refund_id: int, generation: int = 0) -> str:
    """One key per refund, and a new one each time the operator sends a refused refund again."""
    return f"encore-refund-{refund_id}" + (f"-{generation}" if generation else "")


async def send_pending(provider: PaymentProvider, *, limit: int = 100, now: dt.datetime | None = None) -> int:
    """Asks the provider to pay back each refund still pending. Safe to run from several workers at once: the
    idempotency key makes one refund at the provider, and only the first to record it moves the row. Returns
    how many this run sent."""
    now = now or dt.datetime.now(dt.UTC)
    pending = await Refund.select().where(
        (Refund.status == RefundStatus.pending)
        & (Refund.next_attempt_at.is_null() | (Refund.next_attempt_at <= now))).order_by(Refund.id).limit(limit)
    sent = 0
    # Imported here: opening settles payments through the order transitions, which book refunds.
    from storefront.payments.opening import provider_payment_id_for_order

    for refund in pending:
        payment_id = await provider_payment_id_for_order(refund["order"])
        if payment_id is None:
            await _fail(refund, "no paid payment found for this order")
            continue
        try:
            refund_id = await provider.refund(payment_id, refund["amount_cents"] + refund["fee_cents"],
                                              idempotency_key(refund["id"], refund["key_generation"]))
        except RefundRefused as refused:
            await _fail(refund, str(refused))
            continue
        except Exception as error:  # the provider could not be reached: asked again later, under the same key
            log.warning("refund %s could not reach the provider: %s", refund["id"], error)
            attempts = refund["attempts"] + 1
            await Refund.update({Refund.attempts: attempts, Refund.last_error: str(error)[:500],
                                 Refund.next_attempt_at: now + min(RETRY_STEP * attempts, RETRY_CAP)}).where(
                (Refund.id == refund["id"]) & (Refund.status == RefundStatus.pending))
            continue
        sent += await _record_sent(refund, refund_id, now)
    return sent


async def _record_sent(refund: dict[str, Any], provider_refund_id: str, now: dt.datetime) -> bool:
    """Marks the refund sent and takes the money out of the provider's clearing account, once: the first
    worker to move the row books it."""
    from storefront.db import write_transaction

    async with write_transaction(Refund._meta.db):
        moved = await Refund.update({Refund.status: RefundStatus.sent, Refund.provider_refund_id: provider_refund_id,
                                     Refund.sent_at: now, Refund.last_error: ""}).where(
            (Refund.id == refund["id"]) & (Refund.status == RefundStatus.pending)).returning(Refund.id)
        if moved:
            await ledger.post(f"rfs:{refund['id']}", refund["order"], "refund_sent",
                              ledger.refund_sent_postings(refund["amount_cents"] + refund["fee_cents"]),
                              "refund paid out by the payment provider", at=now)
    return bool(moved)


async def _fail(refund: dict[str, Any], reason: str) -> None:
    log.error("refund %s refused by the provider: %s", refund["id"], reason)
    await Refund.update({Refund.status: RefundStatus.failed, Refund.last_error: reason[:500]}).where(
        (Refund.id == refund["id"]) & (Refund.status == RefundStatus.pending))


async def retry(refund_id: int, *, operator_id: int) -> bool:
    """The operator sends a failed refund again (after fixing what the provider refused); audited."""
    from storefront.db import write_transaction
    from storefront.moderation.decisions import audit

    async with write_transaction(Refund._meta.db):
        moved = await Refund.update({
            Refund.status: RefundStatus.pending, Refund.attempts: 0, Refund.next_attempt_at: None,
            Refund.key_generation: Refund.key_generation + 1,
        }).where((Refund.id == refund_id) & (Refund.status == RefundStatus.failed)).returning(Refund.id)
        if moved:
            await audit(operator_id, "refund sent again", "refund", refund_id)
            if (watching := _booked.get()) is not None:
                watching.booked = True
    return bool(moved)


def _view(row: dict[str, Any]) -> RefundView:
    return RefundView(id=row["id"], seller_order_id=row["seller_order"], reason=row["reason"],
                      reason_label=REASON_LABELS.get(row["reason"], row["reason"]),
                      seller_reason_label=SELLER_REASON_LABELS.get(row["reason"], row["reason"]),
                      amount_cents=row["amount_cents"], fee_cents=row["fee_cents"],
                      commission_reversed_cents=row["commission_reversed_cents"], status=row["status"],
                      status_label=STATUS_LABELS.get(row["status"], row["status"]), created_at=row["created_at"])


async def refunds_of_order(order_id: int) -> list[RefundView]:
    rows = await Refund.select().where(Refund.order == order_id).order_by(Refund.created_at, Refund.id)
    return [_view(row) for row in rows]


async def refunds_of_seller_order(seller_order_id: int) -> list[RefundView]:
    rows = await Refund.select().where(Refund.seller_order == seller_order_id).order_by(
        Refund.created_at, Refund.id)
    return [_view(row) for row in rows]


async def failed_refunds() -> list[dict[str, Any]]:
    """For the operator: refunds the provider refused or could not be reached for."""
    return await Refund.select(*Refund.all_columns(), Refund.order.reference.as_alias("reference")).where(
        Refund.status == RefundStatus.failed).order_by(Refund.created_at)
