"""Average monthly active recipients of the service (DSA Art. 24(2)): write, count, roll up and publish.

While a month runs, each worker flushes what it noted (storefront.audience.buffer) as marks: keyed hashes of
the visitor (client address, browser signature, languages) and of the account, under the month's random key.
Once the month is over, the roll-up counts it, keeps the figure and deletes the month's marks and key.

Why one key per month and not per day: the count is of persons in a month. With a daily key the same person
would leave a different mark every day and be counted up to 31 times, overstating the monthly figure; one
key for the whole counting period is what lets each person count once. Deleting it when the month is counted
is what keeps the marks from ever being linked back to anyone.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from storefront.audience.buffer import RecipientBuffer, Visit
from storefront.audience.tables import ActiveRecipientMark, AudienceSalt, MonthlyActiveRecipients
from storefront.db import write_transaction

log = logging.getLogger("storefront.audience")

MONTHS_AVERAGED = 6
# Workers flush every minute by default; an hour after a month ends every worker has written its marks for it.
ROLLUP_GRACE = dt.timedelta(hours=1)
# Rows per INSERT: well under SQLite's limit on bound values, and short write transactions for other writers.
FLUSH_CHUNK = 1_000

METHOD = (
    "A recipient is counted as active in a calendar month (UTC) when, that month, a page of the "
    "marketplace was shown to them or they posted content such as a listing or a review. Each person counts "
    "once however often they come back: someone signed in counts once across all their devices, and someone "
    "who first browses without an account and then signs in on the same device also counts once. Without an "
    "account, a visitor is recognised only by their network address, browser and preferred languages, so "
    "one person on two devices or networks may count twice and two people sharing all three may count once. "
    "Requests from search engines, crawlers, monitoring tools and scripts, requests for pictures and "
    "stylesheets, and partial page updates are not counted. No address, browser signature or account number "
    "is stored for this purpose: only hashes made with a random key that changes every month, deleted "
    "together with the key as soon as the month has been counted, after which only the monthly figure remains. "
    "We cannot tell from which country someone visits without locating them, which we do not do, so the "
    "figure counts every recipient wherever they are and overstates the number of recipients in the European "
    "Union."
)


@dataclass(frozen=True)
class Publication:
    average: int  # persons, rounded to the nearest whole person
    period_start: dt.date  # first day of the first month averaged
    period_end: dt.date  # last day of the last month averaged
    months: tuple[tuple[str, int], ...]  # ("2026-05", 1234), oldest first
    method: str  # one paragraph, plain text, on how people are counted


def month_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m")


def months_before(month: str, count: int) -> list[str]:
    """The `count` months before `month`, oldest first."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count, index)]


def _first_day(month: str) -> dt.date:
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, 1)


def _last_day(month: str) -> dt.date:
    first = _first_day(month)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def salt_for(month: str) -> bytes:
    """The month's key, made by whichever worker needs it first; the others read the same one."""
    await AudienceSalt.insert(AudienceSalt(month=month, salt=secrets.token_hex(32))).on_conflict(
        action="DO NOTHING")
    row = await AudienceSalt.select(AudienceSalt.salt).where(AudienceSalt.month == month).first()
    if row is None:  # the insert above made it, or another worker did
        raise RuntimeError(f"no audience salt for {month} after inserting it")
    return bytes.fromhex(row["salt"])


def _mark_rows(month: str, salt: bytes, visits: list[Visit]) -> list[str]:
    """The marks' column values, flattened in the order of MARK_COLUMNS."""
    values: list[str] = []
    for address, user_agent, language, account_id in visits:
        visitor = hashlib.blake2b(f"{address}\0{user_agent}\0{language}".encode(), key=salt, digest_size=16,
                                  person=b"visitor").hexdigest()
        person = "" if account_id is None else hashlib.blake2b(
            str(account_id).encode(), key=salt, digest_size=16, person=b"account").hexdigest()
        mark = hashlib.blake2b(f"{month}{visitor}{person}".encode(), digest_size=16).hexdigest()
        values += (month, visitor, person, mark)
    return values


MARK_COLUMNS = "month, visitor_hash, person_hash, mark"


async def _write_month(month: str, visits: list[Visit]) -> None:
    if await MonthlyActiveRecipients.exists().where(MonthlyActiveRecipients.month == month):
        # Noted just before the month ended, flushed after it was counted: too late to count, and its key is gone.
        log.info("dropped %d active-recipient visits for %s, already counted", len(visits), month)
        return
    salt = await salt_for(month)
    engine = ActiveRecipientMark._meta.db
    table = ActiveRecipientMark._meta.tablename
    for start in range(0, len(visits), FLUSH_CHUNK):
        chunk = visits[start:start + FLUSH_CHUNK]
        # Hashing a chunk, then awaiting its INSERT, lets requests run between chunks of a large flush. Raw SQL:
        # the same INSERT built from Piccolo Table objects costs five times as much (docs/performance.md).
        sql = (f"INSERT INTO {table} ({MARK_COLUMNS}) VALUES {', '.join(['({}, {}, {}, {})'] * len(chunk))} "
               f"ON CONFLICT DO NOTHING")
        values = _mark_rows(month, salt, chunk)
        async with write_transaction(engine):
            await ActiveRecipientMark.raw(sql, *values)


async def flush(buffer: RecipientBuffer) -> int:
    """Writes the buffered visits as marks; returns how many visits were written. On a database error the
    visits go back into the buffer for the next flush, and the error propagates."""
    months = buffer.take()
    written = 0
    try:
        for month in sorted(months):
            await _write_month(month, list(months[month]))
            written += len(months[month])
    except BaseException:
        # Marks are idempotent, so giving back a month that was half written costs nothing.
        buffer.give_back(months)
        raise
    return written


async def flush_periodically(buffer: RecipientBuffer, seconds: int) -> None:
    """The worker's background task: flush, then wait; errors are logged and retried at the next run."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await flush(buffer)
        except Exception:
            log.exception("active-recipient flush failed; the visits are kept for the next run")


async def count_month(month: str) -> int:
    """Distinct signed-in persons, plus the devices that never showed a signed-in person that month."""
    table = ActiveRecipientMark._meta.tablename
    rows = await ActiveRecipientMark.raw(
        f"SELECT (SELECT COUNT(DISTINCT person_hash) FROM {table} WHERE month = {{}} AND person_hash <> '') "
        f"+ (SELECT COUNT(DISTINCT visitor_hash) FROM {table} WHERE month = {{}} AND person_hash = '' "
        f"AND visitor_hash NOT IN (SELECT visitor_hash FROM {table} WHERE month = {{}} AND person_hash <> '')) "
        f"AS recipients", month, month, month)
    return int(rows[0]["recipients"])


async def roll_up(now: dt.datetime | None = None) -> list[tuple[str, int]]:
    """Counts every complete month that still has marks or a key, keeps its figure, deletes its marks and
    key. Idempotent, and safe when several workers run it at once. Returns the months counted this time."""
    current = month_of((now or _utcnow()) - ROLLUP_GRACE)
    months = {row["month"] for row in await ActiveRecipientMark.select(ActiveRecipientMark.month).distinct()
              .where(ActiveRecipientMark.month < current)}
    months |= {row["month"] for row in await AudienceSalt.select(AudienceSalt.month)
               .where(AudienceSalt.month < current)}
    counted = []
    engine = ActiveRecipientMark._meta.db
    for month in sorted(months):
        async with write_transaction(engine):
            if not await MonthlyActiveRecipients.exists().where(MonthlyActiveRecipients.month == month):
                recipients = await count_month(month)
                await MonthlyActiveRecipients.insert(MonthlyActiveRecipients(
                    month=month, recipients=recipients, computed_at=now or _utcnow(),
                )).on_conflict(action="DO NOTHING")
                counted.append((month, recipients))
            await ActiveRecipientMark.delete().where(ActiveRecipientMark.month == month)
            await AudienceSalt.delete().where(AudienceSalt.month == month)
    return counted


async def published_average(now: dt.datetime | None = None) -> Publication | None:
    """The average over the past six complete months that have a figure; None before the first one."""
    window = months_before(month_of(now or _utcnow()), MONTHS_AVERAGED)
    rows = await MonthlyActiveRecipients.select(
        MonthlyActiveRecipients.month, MonthlyActiveRecipients.recipients,
    ).where(MonthlyActiveRecipients.month.is_in(window)).order_by(MonthlyActiveRecipients.month)
    if not rows:
        return None
    total, count = sum(row["recipients"] for row in rows), len(rows)
    return Publication(
        average=(2 * total + count) // (2 * count),  # half up, in integers
        period_start=_first_day(rows[0]["month"]),
        period_end=_last_day(rows[-1]["month"]),
        months=tuple((row["month"], row["recipients"]) for row in rows),
        method=METHOD,
    )
