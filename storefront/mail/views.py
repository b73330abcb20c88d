"""What the development mailbox reads: the outbox's newest messages and one message in full. Plain reads, no
HTTP here; who may read them is the dev area's guard's business."""
from __future__ import annotations

from typing import Any

from storefront.mail.tables import OutboxEmail


async def latest_messages(limit: int) -> list[dict[str, Any]]:
    """Newest first, without their bodies."""
    return await OutboxEmail.select(
        OutboxEmail.id, OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.kind, OutboxEmail.created_at,
        OutboxEmail.sent_at,
    ).order_by(OutboxEmail.id, ascending=False).limit(limit)


async def message(message_id: int) -> dict[str, Any] | None:
    return await OutboxEmail.select().where(OutboxEmail.id == message_id).first()
