"""Review invitations: one e-mail per delivered order line, about `rules.INVITATION_DELAY` after delivery.

The job may run twice, or in two processes at once: the unique index on `ReviewInvitation.order_line` decides
which one sends. The invitation row is inserted first and the e-mail queued in the same transaction, so a
process that loses the race (a unique violation) rolls back and sends nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from storefront.db import is_unique_violation, write_transaction
from storefront.mail.outbox import queue
from storefront.orders.tables import OrderLine
from storefront.reviews import rules
from storefront.reviews.tables import Review, ReviewInvitation
from storefront.settings import Settings


async def due_lines(now: dt.datetime) -> list[dict[str, Any]]:
    """Lines delivered at least INVITATION_DELAY ago, neither reviewed nor invited, with their buyer."""
    buyer = OrderLine.seller_order._.order._.account._
    rows = await OrderLine.select(
        OrderLine.id, OrderLine.title, OrderLine.seller_order._.seller.as_alias("seller"),
        OrderLine.seller_order._.seller._.name.as_alias("seller_name"), buyer.email.as_alias("email"),
        buyer.name.as_alias("name"), buyer.seller.as_alias("buyer_seller"),
    ).where(
        (OrderLine.seller_order.status == "delivered")
        & (OrderLine.seller_order.delivered_at <= now - rules.INVITATION_DELAY)
        & OrderLine.id.not_in(Review.select(Review.order_line).where(Review.order_line.is_not_null()))
        & OrderLine.id.not_in(ReviewInvitation.select(ReviewInvitation.order_line).where(
            ReviewInvitation.order_line.is_not_null()))
    ).order_by(OrderLine.id)
    # A seller's own account cannot review what its shop sold.
    return [row for row in rows if row["buyer_seller"] is None or row["buyer_seller"] != row["seller"]]


def review_link(settings: Settings, order_line_id: int) -> str:
    return f"{settings.public_base_url}/account/reviews/new?line={order_line_id}"


async def _invite(line: dict[str, Any], settings: Settings, now: dt.datetime) -> bool:
    """True when this call sent the invitation; False when another run had it, or the line got reviewed."""
    try:
        async with write_transaction(ReviewInvitation._meta.db):
            await ReviewInvitation.insert(ReviewInvitation(order_line=line["id"], sent_at=now))
            if await Review.exists().where(Review.order_line == line["id"]):
                return False  # reviewed meanwhile: the row stays, so the line is not looked at again
            first_name = (line["name"] or "").split()[0] if (line["name"] or "").strip() else "there"
            await queue(to=line["email"], kind="review_invitation", subject=f"How is your {line['title']}?", body=(
                f"Hello {first_name},\n\n"
                f"Your {line['title']} from {line['seller_name']} was delivered a few days ago. Tell other buyers "
                f"what you think of it:\n{review_link(settings, line['id'])}\n\n"
                "Your review is published under your first name and the initial of your last name. Nothing is "
                f"given in exchange for a review. You can edit it for {rules.EDIT_WINDOW.days} days after "
                "delivery and delete it at any time.\n"
            ))
    except Exception as error:  # only a unique violation is expected; anything else is raised again
        if is_unique_violation(error):
            return False
        raise
    return True


async def send_due_invitations(settings: Settings, now: dt.datetime | None = None) -> int:
    """Queue the invitations that are due; returns how many this call sent."""
    now = now or dt.datetime.now(dt.UTC)
    sent = 0
    for line in await due_lines(now):
        sent += await _invite(line, settings, now)
    return sent
