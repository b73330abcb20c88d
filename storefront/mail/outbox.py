"""The outbox: `queue()` stores a message in the caller's transaction; `deliver_pending()` sends what
is waiting when SMTP is configured. Without SMTP the messages stay readable at /dev/mailbox."""
from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage

from storefront.mail.tables import OutboxEmail
from storefront.settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


async def queue(*, to: str, subject: str, body: str, kind: str) -> None:
    await OutboxEmail.insert(OutboxEmail(to_address=to, subject=subject[:200], body=body, kind=kind,
                                         created_at=dt.datetime.now(dt.UTC)))


async def deliver_pending(settings: Settings) -> int:
    """Send unsent messages by SMTP; returns how many went out. Does nothing without SMTP settings."""
    if not settings.smtp_host:
        return 0
    import aiosmtplib

    pending = await OutboxEmail.select().where(
        OutboxEmail.sent_at.is_null() & (OutboxEmail.attempts < MAX_ATTEMPTS)
    ).order_by(OutboxEmail.id).limit(100)
    sent = 0
    for row in pending:
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = row["to_address"]
        message["Subject"] = row["subject"]
        message.set_content(row["body"])
        try:
            await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port,
                                  username=settings.smtp_username, password=settings.smtp_password,
                                  start_tls=settings.smtp_starttls, timeout=10)
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("e-mail %s not sent: %s", row["id"], exc)
            await OutboxEmail.update({OutboxEmail.attempts: OutboxEmail.attempts + 1,
                                      OutboxEmail.last_error: str(exc)[:500]}).where(OutboxEmail.id == row["id"])
            continue
        await OutboxEmail.update({OutboxEmail.sent_at: dt.datetime.now(dt.UTC),
                                  OutboxEmail.attempts: OutboxEmail.attempts + 1}).where(OutboxEmail.id == row["id"])
        sent += 1
    return sent
