"""What the operator console reads that is not a case: how many notices wait, and the audit log a page at a
time. Plain reads, no HTTP here; the audit log is only ever read (the database refuses UPDATE and DELETE)."""
from __future__ import annotations

from typing import Any

from storefront.moderation.states import NoticeStatus
from storefront.moderation.tables import AuditEntry, Notice


async def open_notice_count() -> int:
    return await Notice.count().where(Notice.status == NoticeStatus.open)


async def audit_page(page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the audit log, newest first, each entry with its actor's e-mail; and how many there are."""
    total = await AuditEntry.count()
    actor_email = AuditEntry.actor.email.as_alias("actor_email")
    entries = await AuditEntry.select(*AuditEntry.all_columns(), actor_email).order_by(
        AuditEntry.id, ascending=False).limit(per_page).offset((page - 1) * per_page)
    return entries, total
