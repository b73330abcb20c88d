"""Issuing a document: its number taken from its series without a gap, once per subject.

Inside one write transaction:
1. a document already issued for the subject ("statement:seller:12:2026-10") is returned as it is;
2. the series' counter row is made if the year has none yet (an INSERT that does nothing when it exists);
3. `UPDATE document_counter SET last_number = last_number + 1 WHERE series = … RETURNING last_number`: the row
   stays locked until the commit on PostgreSQL (SQLite's BEGIN IMMEDIATE holds the whole file), so a second
   issuer waits and then reads the number the first one committed;
4. the document is inserted with that number.

Whatever fails after step 3 (the insert, a crash, a lost connection) rolls the counter back with it: a number
is used only by a document that exists. Two requests issuing the same subject at once: the second one's
insert meets the unique `subject`, its transaction (and its number) rolls back, and it returns the first.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storefront.db import is_unique_violation, write_transaction
from storefront.documents.states import DocumentKind, code_of, series_of
from storefront.documents.tables import Document, DocumentCounter


@dataclass(frozen=True)
class Subject:
    """What a document is of and who it is for; `key` is unique across all documents."""

    kind: DocumentKind
    key: str
    party_name: str
    seller_id: int | None = None
    order_id: int | None = None
    account_id: int | None = None
    period: str = ""


def statement_subject(kind: DocumentKind, seller_id: int, seller_name: str, period: str) -> Subject:
    return Subject(kind, f"{kind}:seller:{seller_id}:{period}", seller_name, seller_id=seller_id, period=period)


def receipt_subject(order_id: int, account_id: int, buyer_name: str) -> Subject:
    return Subject(DocumentKind.receipt, f"receipt:order:{order_id}", buyer_name, order_id=order_id,
                   account_id=account_id)


async def issued(key: str) -> dict[str, Any] | None:
    return await Document.select().where(Document.subject == key).first()


async def _next_number(series: str) -> int:
    await DocumentCounter.insert(DocumentCounter(series=series, last_number=0)).on_conflict(action="DO NOTHING")
    rows = await DocumentCounter.update({DocumentCounter.last_number: DocumentCounter.last_number + 1}).where(
        DocumentCounter.series == series).returning(DocumentCounter.last_number)
    return rows[0]["last_number"]


async def issue(subject: Subject, content: dict[str, Any], total_cents: int, *, now: dt.datetime | None = None,
                on_issue: Callable[[str], Awaitable[None]] | None = None) -> dict[str, Any]:
    """The document of `subject`: the one already issued, or a new one with the next number of its series
    holding `content` (plain JSON data). Numbers follow the year of issue (UTC). `on_issue(code)` runs in the
    issuing transaction, only when this call issues it (an e-mail queued there is sent once or not at all)."""
    found = await issued(subject.key)
    if found is not None:
        return found
    now = now or dt.datetime.now(dt.UTC)
    series = series_of(subject.kind, now.year)
    try:
        async with write_transaction(Document._meta.db):
            if await Document.exists().where(Document.subject == subject.key):
                raise _AlreadyIssued
            number = await _next_number(series)
            code = code_of(series, number)
            frozen = json.dumps({**content, "code": code, "issued_on": now.date().isoformat()}, ensure_ascii=False,
                                sort_keys=True)
            await Document.insert(Document(
                kind=subject.kind, series=series, number=number, code=code, subject=subject.key,
                seller_id=subject.seller_id, order_id=subject.order_id, account_id=subject.account_id,
                party_name=subject.party_name[:200], period=subject.period, issued_at=now,
                total_cents=total_cents, content=frozen))
            if on_issue is not None:
                await on_issue(code)
    except _AlreadyIssued:
        pass
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # Another issuer committed this subject first: our number went back with our transaction.
    found = await issued(subject.key)
    assert found is not None, subject.key
    return found


class _AlreadyIssued(Exception):
    """Found inside the transaction: leave it without taking a number."""


def content_of(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(document["content"])
