"""Importing a seller's offers from a CSV file: a preview first, then all or nothing.

The steps of an `OfferImport` (its `state`, storefront.sellers.states.ImportState):
1. `start_import()` keeps a file `offer_csv.read_upload()` accepted: queued. A file of at most
   `INLINE_MAX_ROWS` rows is then checked in the request (`check_import()`); a larger one by the
   `offer-imports` job (storefront.jobs.registry), which the request wakes once its response is sent.
2. `check_import()` claims the import (queued → checking) and reads every row with the offer form's rules,
   a SKU given twice and the catalogue (`variant_problems`), writing its progress every `PROGRESS_EVERY`
   rows, then compares the rows with the seller's offers: ready, with a preview (rows to create, to change
   with what changes, unchanged, rejected with line, column, value and reason).
3. `request_apply()`: the seller asks, and only a preview without rejected rows may be applied
   (ready → applying); a small import is applied in the request, a large one by the job.
4. `apply_import()` claims it and, in one transaction, checks that the offers the file names are still what
   the preview saw (`fingerprint`), then `listings.apply_offers()`, which checks every rule again, writes
   everything and the import's state: applied. Anything refused: failed with the reason, nothing changed.
A preview left unapplied for `PREVIEW_KEPT` expires (`expire_previews()`, run by the job). The file's text
is kept only while it may still be applied.

Each step is claimed by a conditional UPDATE (the state, and no claim or a claim older than `STALE_CLAIM`), so
two workers, two store processes or a job and a request never run one step twice. A worker that died holding
a claim leaves the step to be taken again after `STALE_CLAIM`; applying is one transaction, so a retry starts
from nothing written.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storefront.db import write_transaction
from storefront.errors import NotFound, Refused
from storefront.sellers.listings import (
    OFFER_COLUMNS,
    ListingRules,
    OfferFields,
    apply_offers,
    existing_offers,
    is_unchanged,
    offer_input_values,
    variant_problems,
)
from storefront.sellers.offer_csv import CsvFile, ReadRow, read_rows
from storefront.sellers.states import IMPORT_IN_PROGRESS, ImportState
from storefront.sellers.tables import OfferImport

log = logging.getLogger(__name__)

INLINE_MAX_ROWS = 500
PROGRESS_EVERY = 500
PREVIEW_ROWS = 50
REJECTED_PER_PAGE = 100
STALE_CLAIM = dt.timedelta(minutes=10)
# A preview not applied within this time expires: the offers have moved on, and the file's text is let go.
PREVIEW_KEPT = dt.timedelta(days=7)
VALUE_SHOWN_MAX = 80
CHANGED_SINCE = ("Your offers changed since this preview was made, so it was not applied and nothing changed. "
                 "Upload the file again to see a fresh preview.")
EXPIRED = "This preview was not applied within 7 days and has expired; nothing was changed. Upload the file again."
WENT_WRONG = "Something went wrong on our side while {doing} the file; nothing was changed. Please upload it again."


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def runs_in_request(total_rows: int) -> bool:
    """A small file is checked and applied at once; a larger one by the job, with its progress shown."""
    return total_rows <= INLINE_MAX_ROWS


async def start_import(seller_id: int, upload: CsvFile, file_name: str) -> int:
    """Keeps the file for the seller, queued to be checked; returns the import's id."""
    now = _now()
    report = json.dumps({"ignored_columns": list(upload.ignored_columns)})
    row = OfferImport(seller=seller_id, state=ImportState.queued, file_name=file_name[:200], content=upload.text,
                      total_rows=upload.rows, report=report, created_at=now, updated_at=now)
    async with write_transaction(OfferImport._meta.db):
        await OfferImport.insert(row)
    return int(row.id)


async def _claim(import_id: int, states: Sequence[ImportState], to: ImportState) -> str | None:
    """A token when this caller takes the import's next step; None when another has it or it is not due."""
    now = _now()
    token = uuid.uuid4().hex
    free = OfferImport.claimed_by.is_null() | (OfferImport.claimed_at < now - STALE_CLAIM)
    claimed = await OfferImport.update({
        OfferImport.state: to, OfferImport.claimed_by: token, OfferImport.claimed_at: now,
        OfferImport.updated_at: now,
    }).where((OfferImport.id == import_id) & OfferImport.state.is_in(list(states)) & free).returning(OfferImport.id)
    return token if claimed else None


async def _finish(import_id: int, token: str, values: Mapping[Any, Any]) -> None:
    await OfferImport.update({**values, OfferImport.claimed_by: None, OfferImport.claimed_at: None,
                              OfferImport.updated_at: _now()}).where(
        (OfferImport.id == import_id) & (OfferImport.claimed_by == token))


def _shown(value: str) -> str:
    return value if len(value) <= VALUE_SHOWN_MAX else value[:VALUE_SHOWN_MAX - 1] + "…"


def _offer_text(fields: OfferFields) -> dict[str, str]:
    return offer_input_values({
        "sku": fields.sku, "variant": fields.variant_id, "grade": fields.grade, "price_cents": fields.price_cents,
        "stock": fields.stock, "shipping_cents": fields.shipping_cents, "delivery_days": fields.delivery_days,
        "warranty_months": fields.warranty_months, "battery_health_pct": fields.battery_health_pct,
        "new_battery": fields.new_battery, "payment_means": fields.payment_means_text,
        "description": fields.condition_note,
    })


def fingerprint(current: Mapping[str, Mapping[str, Any]], skus: Sequence[str]) -> str:
    """What the seller's offers with these SKUs are now (or that there is none), in one digest."""
    digest = hashlib.sha256()
    for sku in sorted(set(skus)):
        offer = current.get(sku)
        values = offer_input_values(offer) if offer is not None else {}
        digest.update(json.dumps([sku, values], sort_keys=True).encode())
    return digest.hexdigest()


@dataclass
class _Preview:
    rejected: list[dict[str, Any]]
    create: list[dict[str, Any]]
    change: list[dict[str, Any]]
    counts: dict[str, int]


async def _preview(seller_id: int, rows: Sequence[ReadRow]) -> tuple[_Preview, str]:
    rejected: list[dict[str, Any]] = [
        {"line": row.line, "column": name, "value": _shown(row.values[name]), "reason": reason}
                for row in rows for name, reason in row.problems.items()]
    first_line_of: dict[str, int] = {}
    bad_lines: set[int] = {row.line for row in rows if row.problems}
    for row in rows:
        sku = " ".join(row.values["sku"].split())
        if not sku:
            continue
        if sku in first_line_of:
            rejected.append({"line": row.line, "column": "sku", "value": _shown(sku),
                             "reason": f"This SKU is already on line {first_line_of[sku]}: each offer needs its own."})
            bad_lines.add(row.line)
        else:
            first_line_of[sku] = row.line
    valid = [row for row in rows if row.fields is not None and row.line not in bad_lines]
    variants = await variant_problems([row.fields.variant_id for row in valid if row.fields is not None])
    for row in valid:
        assert row.fields is not None
        if (problem := variants.get(row.fields.variant_id)) is not None:
            rejected.append({"line": row.line, "column": "variant_id", "value": row.values["variant_id"],
                             "reason": problem})
            bad_lines.add(row.line)
    current = await existing_offers(seller_id)
    create: list[dict[str, Any]] = []
    change: list[dict[str, Any]] = []
    counts = {"create": 0, "change": 0, "unchanged": 0}
    for row in valid:
        if row.line in bad_lines or row.fields is None:
            continue
        offer = current.get(row.fields.sku)
        if offer is None:
            counts["create"] += 1
            if len(create) < PREVIEW_ROWS:
                create.append({"line": row.line, "price_cents": row.fields.price_cents, **_offer_text(row.fields)})
        elif is_unchanged(offer, row.fields):
            counts["unchanged"] += 1
        else:
            counts["change"] += 1
            if len(change) < PREVIEW_ROWS:
                old, new = offer_input_values(offer), _offer_text(row.fields)
                change.append({"line": row.line, "sku": row.fields.sku, "changes": [
                    {"column": name, "old": _shown(old[name]), "new": _shown(new[name])}
                    for name in OFFER_COLUMNS if old[name] != new[name]]})
    order = {name: index for index, name in enumerate(OFFER_COLUMNS)}
    rejected.sort(key=lambda item: (item["line"], order[item["column"]]))
    counts["rejected"] = len(bad_lines)
    skus = [row.fields.sku for row in valid if row.fields is not None]
    return _Preview(rejected=rejected, create=create, change=change, counts=counts), fingerprint(current, skus)


async def check_import(import_id: int, rules: ListingRules | None = None) -> bool:
    """Checks a queued import and makes its preview; False when it was not this caller's to check."""
    token = await _claim(import_id, (ImportState.queued, ImportState.checking), ImportState.checking)
    if token is None:
        return False
    try:
        job = await OfferImport.select(OfferImport.seller, OfferImport.content, OfferImport.report).where(
            OfferImport.id == import_id).first()
        assert job is not None
        rows: list[ReadRow] = []
        for row in read_rows(job["content"], rules):
            rows.append(row)
            if len(rows) % PROGRESS_EVERY == 0:
                await OfferImport.update({OfferImport.rows_done: len(rows), OfferImport.updated_at: _now()}).where(
                    (OfferImport.id == import_id) & (OfferImport.claimed_by == token))
        preview, digest = await _preview(job["seller"], rows)
        report = {**json.loads(job["report"] or "{}"), "rejected": preview.rejected, "create": preview.create,
                  "change": preview.change}
        values: dict[Any, Any] = {
            OfferImport.state: ImportState.ready, OfferImport.rows_done: len(rows),
            OfferImport.to_create: preview.counts["create"], OfferImport.to_change: preview.counts["change"],
            OfferImport.unchanged: preview.counts["unchanged"], OfferImport.rejected: preview.counts["rejected"],
            OfferImport.report: json.dumps(report), OfferImport.fingerprint: digest,
        }
        if preview.counts["rejected"]:
            values[OfferImport.content] = ""  # it can never be applied: the seller fixes it and uploads again
        await _finish(import_id, token, values)
    except Exception:
        log.exception("offer import %s could not be checked", import_id)
        await _finish(import_id, token, {OfferImport.state: ImportState.failed, OfferImport.content: "",
                                         OfferImport.message: WENT_WRONG.format(doing="checking")})
    return True


async def request_apply(seller_id: int, import_id: int) -> None:
    """The seller asks for the preview to be applied: ready → applying, only without rejected rows."""
    job = await _own(seller_id, import_id)
    if job["state"] != ImportState.ready:
        raise Refused("form", "This import is not waiting to be applied any more.")
    if job["rejected"]:
        raise Refused("form", "A file with rejected rows changes nothing: correct them and upload the file again.")
    if not (job["to_create"] or job["to_change"]):
        raise Refused("form", "This file changes nothing: every offer in it is already as it says.")
    moved = await OfferImport.update({OfferImport.state: ImportState.applying, OfferImport.rows_done: 0,
                                      OfferImport.updated_at: _now()}).where(
        (OfferImport.id == import_id) & (OfferImport.state == ImportState.ready)
        & (OfferImport.rejected == 0)).returning(OfferImport.id)
    if not moved:
        raise Refused("form", "This import is not waiting to be applied any more.")


class _Changed(Exception):
    """The offers the file names are no longer what the preview saw."""


def _reasons(problems: Mapping[str, str], lines: Sequence[int]) -> str:
    said = []
    for key, message in list(problems.items())[:20]:
        index, _, column = key.removeprefix("rows[").partition("].")
        line = lines[int(index)] if index.isdigit() and int(index) < len(lines) else None
        said.append(f"Line {line}, {column}: {message}" if line is not None else message)
    more = f" And {len(problems) - 20} more." if len(problems) > 20 else ""
    return "Nothing was changed. Since the preview: " + " ".join(said) + more + " Correct the file and upload it again."


async def apply_import(import_id: int, rules: ListingRules | None = None) -> bool:
    """Applies an import its seller asked for, all or nothing; False when it was not this caller's to apply."""
    token = await _claim(import_id, (ImportState.applying,), ImportState.applying)
    if token is None:
        return False
    lines: list[int] = []
    try:
        job = await OfferImport.select(OfferImport.seller, OfferImport.content, OfferImport.fingerprint).where(
            OfferImport.id == import_id).first()
        assert job is not None
        rows = list(read_rows(job["content"], rules))
        if any(row.fields is None for row in rows):
            raise _Changed()
        offers = [row.fields for row in rows if row.fields is not None]
        lines = [row.line for row in rows]
        async with write_transaction(OfferImport._meta.db):
            current = await existing_offers(job["seller"])
            if fingerprint(current, [offer.sku for offer in offers]) != job["fingerprint"]:
                raise _Changed()
            applied = await apply_offers(job["seller"], offers, rules)
            await _finish(import_id, token, {
                OfferImport.state: ImportState.applied, OfferImport.rows_done: len(rows), OfferImport.content: "",
                OfferImport.to_create: applied.created, OfferImport.to_change: applied.changed,
                OfferImport.unchanged: applied.unchanged})
    except _Changed:
        await _fail(import_id, token, CHANGED_SINCE)
    except Refused as refused:
        await _fail(import_id, token, _reasons(refused.problems, lines))
    except Exception:
        log.exception("offer import %s could not be applied", import_id)
        await _fail(import_id, token, WENT_WRONG.format(doing="applying"))
    return True


async def _fail(import_id: int, token: str, message: str) -> None:
    await _finish(import_id, token, {OfferImport.state: ImportState.failed, OfferImport.content: "",
                                     OfferImport.message: message})


async def run_pending_imports(rules: ListingRules | None = None) -> int:
    """The `offer-imports` job: checks every queued import and applies every one its seller asked for,
    each claimed first; returns how many this caller handled."""
    stale = _now() - STALE_CLAIM
    waiting = await OfferImport.select(OfferImport.id, OfferImport.state).where(
        OfferImport.state.is_in([ImportState.queued, ImportState.checking, ImportState.applying])
        & (OfferImport.claimed_by.is_null() | (OfferImport.claimed_at < stale))).order_by(OfferImport.id)
    await expire_previews()
    handled = 0
    for job in waiting:
        if job["state"] == ImportState.applying:
            handled += await apply_import(job["id"], rules)
        else:
            handled += await check_import(job["id"], rules)
    return handled


async def expire_previews(now: dt.datetime | None = None) -> int:
    """Previews left unapplied for `PREVIEW_KEPT` expire (failed, their file's text emptied); returns how many."""
    at = now or _now()
    expired = await OfferImport.update({
        OfferImport.state: ImportState.failed, OfferImport.content: "", OfferImport.message: EXPIRED,
        OfferImport.updated_at: at,
    }).where((OfferImport.state == ImportState.ready) & (OfferImport.updated_at < at - PREVIEW_KEPT)
             ).returning(OfferImport.id)
    return len(expired)


async def _own(seller_id: int, import_id: int) -> dict[str, Any]:
    job = await OfferImport.select(*OfferImport.all_columns()).where(
        (OfferImport.id == import_id) & (OfferImport.seller == seller_id)).first()
    if job is None:
        raise NotFound(import_id)
    return job


async def import_state(seller_id: int, import_id: int) -> ImportState:
    job = await OfferImport.select(OfferImport.state).where(
        (OfferImport.id == import_id) & (OfferImport.seller == seller_id)).first()
    if job is None:
        raise NotFound(import_id)
    return ImportState(job["state"])


async def import_view(seller_id: int, import_id: int, rejected_page: int = 1) -> dict[str, Any]:
    """What the import's page shows: its state and progress, and once checked its preview, the rejected rows
    a page at a time. Another seller's import is NotFound, like a missing one."""
    job = await _own(seller_id, import_id)
    report = json.loads(job["report"] or "{}")
    rejected = report.get("rejected", [])
    pages = max(1, -(-len(rejected) // REJECTED_PER_PAGE))
    page = min(max(rejected_page, 1), pages)
    state = ImportState(job["state"])
    total = job["total_rows"]
    done = total if state in (ImportState.ready, ImportState.applied) else job["rows_done"]
    return {
        "id": job["id"], "state": state, "file_name": job["file_name"], "message": job["message"],
        "in_progress": state in IMPORT_IN_PROGRESS, "total_rows": total, "rows_done": done,
        "percent": 100 if not total else min(100, done * 100 // total),
        "counts": {"create": job["to_create"], "change": job["to_change"], "unchanged": job["unchanged"],
                   "rejected": job["rejected"]},
        "may_apply": state == ImportState.ready and not job["rejected"] and bool(job["to_create"] or job["to_change"]),
        "ignored_columns": report.get("ignored_columns", []),
        "rejected_cells": len(rejected),
        "rejected_rows": rejected[(page - 1) * REJECTED_PER_PAGE: page * REJECTED_PER_PAGE],
        "rejected_page": page, "rejected_pages": pages,
        "create": report.get("create", []), "change": report.get("change", []),
        "created_at": job["created_at"],
    }


async def recent_imports(seller_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """The seller's latest imports, newest first, for the upload page."""
    return await OfferImport.select(
        OfferImport.id, OfferImport.state, OfferImport.file_name, OfferImport.total_rows, OfferImport.rejected,
        OfferImport.created_at,
    ).where(OfferImport.seller == seller_id).order_by(OfferImport.id, ascending=False).limit(limit)
