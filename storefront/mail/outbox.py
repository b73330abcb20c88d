"""The outbox: `queue()` stores a message in the caller's transaction; `deliver_pending()` sends what
is waiting when SMTP is configured. Without SMTP the messages stay readable at /dev/mailbox.

Several workers, on one host or several, may run `deliver_pending()` at once. Each message is claimed
before it is sent, by one conditional UPDATE that sets `claimed_by` only where nobody holds the message
(or a claim has expired, because its sender died): the database lets one UPDATE win per row, so a message
goes out once. The only way to send it twice is to die between the SMTP server's "accepted" and the
`sent_at` write, after which it goes again when the claim expires: at least once, never routinely twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from contextvars import ContextVar, Token
from email.message import EmailMessage
from typing import Any

from storefront.mail.tables import OutboxEmail
from storefront.settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Messages one claim takes: each may take the SMTP timeout, so a claim must outlast sending all of them.
BATCH = 20
SMTP_TIMEOUT_SECONDS = 10
CLAIM = dt.timedelta(seconds=BATCH * SMTP_TIMEOUT_SECONDS * 3)
# After a failed attempt, the message waits this long times the attempts made before it is tried again.
RETRY_DELAY = dt.timedelta(minutes=1)


class QueuedMail:
    """Whether a unit of work (a request, a job) queued a message, so someone waiting gets it at once."""

    def __init__(self) -> None:
        self.queued = False


# A mutable holder, as for the search outbox's marks: a message queued in a task the request spawned counts.
_queued: ContextVar[QueuedMail | None] = ContextVar("queued_mail", default=None)


def watch_queued() -> tuple[QueuedMail, Token[QueuedMail | None]]:
    """Start noting, for the current context, whether a message is queued; pair with `stop_watching`."""
    mail = QueuedMail()
    return mail, _queued.set(mail)


def stop_watching(token: Token[QueuedMail | None]) -> None:
    _queued.reset(token)


async def queue(*, to: str, subject: str, body: str, kind: str) -> None:
    await OutboxEmail.insert(OutboxEmail(to_address=to, subject=subject[:200], body=body, kind=kind,
                                         created_at=dt.datetime.now(dt.UTC)))
    watching = _queued.get()
    if watching is not None:
        watching.queued = True


def _claimable(now: dt.datetime) -> Any:
    return (OutboxEmail.sent_at.is_null() & (OutboxEmail.attempts < MAX_ATTEMPTS)
            & (OutboxEmail.claimed_until.is_null() | (OutboxEmail.claimed_until < now)))


async def claim(limit: int = BATCH) -> list[dict[str, Any]]:
    """Takes up to `limit` unsent messages for this caller alone and returns them, newest first.

    The candidates are read first, then claimed by an UPDATE that repeats the condition: when two senders
    read the same candidates, the database runs their UPDATEs one after the other (SQLite's write lock,
    PostgreSQL's row locks, which re-check the condition on the row as the first UPDATE left it), and the
    second finds the rows claimed. Re-reading by the claim token tells each sender what it won."""
    now = dt.datetime.now(dt.UTC)
    # Newest first: whoever waits for a message (a reset, a confirmation) waits for the one just queued, and a
    # backlog goes out all the same, batch after batch.
    candidates = [row["id"] for row in await OutboxEmail.select(OutboxEmail.id).where(_claimable(now))
                  .order_by(OutboxEmail.id, ascending=False).limit(limit)]
    if not candidates:
        return []
    token = uuid.uuid4().hex
    await OutboxEmail.update({OutboxEmail.claimed_by: token, OutboxEmail.claimed_until: now + CLAIM}).where(
        OutboxEmail.id.is_in(candidates) & _claimable(now))
    return await OutboxEmail.select().where(OutboxEmail.claimed_by == token).order_by(OutboxEmail.id,
                                                                                       ascending=False)


async def deliver_pending(settings: Settings) -> int:
    """Send unsent messages by SMTP until none is left to claim; returns how many went out. Does nothing
    without SMTP settings: the messages stay in the outbox for /dev/mailbox."""
    if not settings.smtp_host:
        return 0
    sent = 0
    while batch := await claim():
        for row in batch:
            sent += await _send(row, settings)
    return sent


async def _send(row: dict[str, Any], settings: Settings) -> int:
    import aiosmtplib

    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message.set_content(row["body"])
    mine = (OutboxEmail.id == row["id"]) & (OutboxEmail.claimed_by == row["claimed_by"])
    try:
        await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port,
                              username=settings.smtp_username, password=settings.smtp_password,
                              start_tls=settings.smtp_starttls, timeout=SMTP_TIMEOUT_SECONDS)
    except (aiosmtplib.SMTPException, OSError) as exc:
        log.warning("e-mail %s not sent: %s", row["id"], exc)
        # The claim now holds it until its retry is due, so this loop and the others leave it alone.
        retry_at = dt.datetime.now(dt.UTC) + RETRY_DELAY * (row["attempts"] + 1)
        await OutboxEmail.update({OutboxEmail.attempts: OutboxEmail.attempts + 1,
                                  OutboxEmail.last_error: str(exc)[:500],
                                  OutboxEmail.claimed_until: retry_at}).where(mine)
        return 0
    await OutboxEmail.update({OutboxEmail.sent_at: dt.datetime.now(dt.UTC),
                              OutboxEmail.attempts: OutboxEmail.attempts + 1}).where(mine)
    return 1
