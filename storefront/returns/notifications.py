"""The e-mails a return sends, to the buyer and the seller at each step, and to the operator when it is
escalated. Plain text through the outbox, our own words."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.mail.outbox import queue
from storefront.returns.states import ReturnKind
from storefront.settings import Settings
from storefront.units import money


@dataclass(frozen=True)
class Parties:
    """Who a return concerns and what each message names."""

    return_id: int
    kind: str
    reference: str  # the order's
    buyer_email: str
    buyer_name: str
    seller_email: str
    seller_name: str
    refund_due_on: dt.date

    @property
    def what(self) -> str:
        return "withdrawal" if self.kind == ReturnKind.withdrawal else "return"


def _buyer_url(settings: Settings, parties: Parties) -> str:
    return f"{settings.public_base_url}/account/orders/{parties.reference}"


def _seller_url(settings: Settings, parties: Parties) -> str:
    return f"{settings.public_base_url}/seller/returns/{parties.return_id}"


async def _both(settings: Settings, parties: Parties, kind: str, subject: str, to_buyer: str, to_seller: str) -> None:
    await queue(to=parties.buyer_email, kind=f"return_{kind}", subject=subject,
                body=to_buyer + f"\nYour order: {_buyer_url(settings, parties)}\n")
    await queue(to=parties.seller_email, kind=f"seller_return_{kind}", subject=subject,
                body=to_seller + f"\nThe {parties.what}: {_seller_url(settings, parties)}\n")


async def requested(settings: Settings, parties: Parties, *, at: dt.datetime, statement: str,
                    label_due: dt.datetime) -> None:
    """The acknowledgement the law asks for (Art. 11a(3)): sent at once, with the date and time of the statement
    and its content."""
    when = f"{at.astimezone(dt.UTC):%d %B %Y at %H:%M} UTC"
    await _both(
        settings, parties, "requested", f"Order {parties.reference}: we received your {parties.what}",
        f"We received your {parties.what} statement on {when}. Here is what you sent:\n\n{statement}\n\n"
        f"{parties.seller_name} now sends you a return label. You will be refunded, item and original delivery "
        f"included, by {parties.refund_due_on:%d %B %Y}; the seller may wait until the item is back.\n",
        f"{parties.buyer_name} sent a {parties.what} statement on {when} for order {parties.reference}:\n\n"
        f"{statement}\n\nIssue the return label by {label_due.astimezone(dt.UTC):%d %B %Y, %H:%M} UTC, or "
        f"{settings.brand_name}'s team takes the {parties.what} over. The refund is due by "
        f"{parties.refund_due_on:%d %B %Y}.\n")


async def label_issued(settings: Settings, parties: Parties, *, carrier: str, tracking: str) -> None:
    await _both(
        settings, parties, "label", f"Order {parties.reference}: your return label is ready",
        f"{parties.seller_name} issued your return label ({carrier}, tracking {tracking}). Print it from your "
        f"order, stick it on the parcel and drop it off. Until you send it you can still cancel the "
        f"{parties.what}.\n",
        f"The label ({carrier}, tracking {tracking}) is with the buyer. Mark the parcel received when it "
        f"arrives.\n")


async def received(settings: Settings, parties: Parties, *, refund_due: dt.datetime) -> None:
    await _both(
        settings, parties, "received", f"Order {parties.reference}: {parties.seller_name} received your parcel",
        f"{parties.seller_name} received the item you sent back and is checking it. You will be refunded by "
        f"{parties.refund_due_on:%d %B %Y}.\n",
        f"You marked the parcel received. Check the item and refund the buyer by "
        f"{min(refund_due.astimezone(dt.UTC).date(), parties.refund_due_on):%d %B %Y}.\n")


async def refunded(settings: Settings, parties: Parties, *, to_buyer_cents: int, amount_cents: int,
                   reduction_reason: str, by_operator: bool, note: str = "") -> None:
    who = f"{settings.brand_name}'s team" if by_operator else parties.seller_name
    reduced = f"\nThe refund was reduced: {reduction_reason}\n" if reduction_reason else ""
    reasons = f"\nOur reasons: {note}\n" if note else ""
    await _both(
        settings, parties, "refunded", f"Order {parties.reference}: you are refunded",
        f"{who} refunded your {parties.what}: {money(to_buyer_cents)} go back to your means of payment; it "
        f"usually shows within a few working days.\n{reduced}{reasons}",
        f"The {parties.what} of order {parties.reference} is refunded ({money(amount_cents)} from this sale; "
        f"{'decided by ' + who if by_operator else 'your decision'}). The commission on the refunded amount is "
        f"handed back on your statement.\n{reduced}{reasons}")


async def cancelled(settings: Settings, parties: Parties) -> None:
    await _both(
        settings, parties, "cancelled", f"Order {parties.reference}: {parties.what} cancelled",
        f"You cancelled your {parties.what}: you keep the item and nothing is refunded.\n",
        f"The buyer cancelled the {parties.what} before sending the item: nothing is to be refunded.\n")


async def escalated(settings: Settings, parties: Parties, *, waiting_for: str) -> None:
    team = f"{settings.brand_name}'s team"
    await _both(
        settings, parties, "escalated", f"Order {parties.reference}: {team} takes your {parties.what} over",
        f"{parties.seller_name} did not {waiting_for} in time, so {team} takes your {parties.what} over. You "
        f"will hear from us; the refund is still due by {parties.refund_due_on:%d %B %Y}.\n",
        f"You did not {waiting_for} within {settings.return_seller_action_days} days, so {team} decides this "
        f"{parties.what} now.\n")
    await queue(to=settings.operator.contact_email, kind="ops_return_escalated",
                subject=f"Return {parties.return_id} (order {parties.reference}) needs a decision",
                body=(f"{parties.seller_name} did not {waiting_for} within {settings.return_seller_action_days} days. "
                      f"Refund the buyer or close it with reasons: "
                      f"{settings.public_base_url}/ops/returns/{parties.return_id}\n"))


async def closed(settings: Settings, parties: Parties, *, note: str) -> None:
    team = f"{settings.brand_name}'s team"
    await _both(
        settings, parties, "closed", f"Order {parties.reference}: {team} closed the {parties.what}",
        f"{team} closed your {parties.what} without a refund. Our reasons: {note}\nIf you disagree, answer "
        f"through the contact form; the legal guarantee of conformity still applies (“Get help” on your order).\n",
        f"{team} closed the {parties.what} without a refund. Our reasons: {note}\n")
