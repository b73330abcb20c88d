"""Internal complaints against a decision (DSA Art. 20): filed by the decision's recipient within six months,
resolved by the operator, who upholds the decision or reverses it. Reversing undoes the measure through the
module that took it (review_reports, referencing), which this module imports, never the other way round."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storefront.db import write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.mail import outbox
from storefront.moderation import referencing, review_reports
from storefront.moderation.decisions import audit, contest_expired, decision_for_recipient
from storefront.moderation.states import ComplaintStatus, Measure
from storefront.moderation.tables import Complaint, Decision
from storefront.settings import Settings

COMPLAINT_MIN, COMPLAINT_MAX = 10, 2_000
RESOLUTION_NOTE_MAX = 2_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ComplaintInput:
    """Why the recipient thinks the decision is wrong, in their words."""

    message: str

    def problems(self) -> dict[str, str]:
        if len(self.message) < COMPLAINT_MIN:
            return {"message": f"Tell us why the decision is wrong in at least {COMPLAINT_MIN} characters."}
        if len(self.message) > COMPLAINT_MAX:
            return {"message": f"Keep your complaint to {COMPLAINT_MAX:,} characters or fewer "
                               f"(it has {len(self.message):,})."}
        return {}


@dataclass(frozen=True)
class ResolutionInput:
    """The operator's answer to a complaint: upheld or reversed, with an optional note to the complainant."""

    outcome: str
    note: str = ""

    def problems(self) -> dict[str, str]:
        if self.outcome not in (ComplaintStatus.upheld, ComplaintStatus.reversed):
            return {"outcome": "Choose whether the decision is upheld or reversed."}
        if len(self.note) > RESOLUTION_NOTE_MAX:
            return {"note": (f"Keep the note to {RESOLUTION_NOTE_MAX:,} characters or fewer "
                             f"(it has {len(self.note):,}).")}
        return {}


async def complaints_on(decision_id: int) -> list[dict[str, Any]]:
    return await Complaint.select().where(Complaint.decision == decision_id).order_by(Complaint.id)


async def complain(decision_id: int, account: int, complaint: ComplaintInput, now: dt.datetime | None = None) -> int:
    """Files an internal complaint; it goes back to the operator's queue. Refused when the message is at fault
    ("message") or the decision can no longer be contested ("decision")."""
    decision = await decision_for_recipient(decision_id, account)
    message = complaint.message.replace("\r\n", "\n").strip()
    now = now or _now()
    if contest_expired(decision, now):
        raise Refused("decision", f"The six months to contest this decision ended on "
                      f"{decision['contest_until']:%d %B %Y}. You can still turn to a consumer "
                      "mediator or to the courts.")
    refuse_if(ComplaintInput(message).problems())
    async with write_transaction(Complaint._meta.db):
        stored = Complaint(decision=decision_id, account=account, message=message, status="open", created_at=now)
        await stored.save()
        await audit(account, "complaint filed", "decision", decision_id, f"complaint {stored.id}")
    return stored.id


async def open_complaints() -> list[dict[str, Any]]:
    return await Complaint.select(
        *Complaint.all_columns(), Complaint.decision.measure.as_alias("measure"),
        Complaint.decision.subject_type.as_alias("subject_type"), Complaint.decision.subject_id.as_alias("subject_id"),
    ).where(Complaint.status == "open").order_by(Complaint.created_at, ascending=False)


async def complaint_case(complaint_id: int) -> dict[str, Any]:
    complaint = await Complaint.select(*Complaint.all_columns(), Complaint.account.email.as_alias("email")).where(
        Complaint.id == complaint_id).first()
    if complaint is None:
        raise NotFound(complaint_id)
    decision = await Decision.select().where(Decision.id == complaint["decision"]).first()
    return {"complaint": complaint, "decision": decision}


async def _undo(decision: dict[str, Any], *, operator_id: int, complaint_id: int) -> str:
    """Undoes the decision's measure through the module that took it; returns what the complainant is told
    ("" when the measure imposed nothing to undo)."""
    if decision["measure"] == Measure.review_removed:
        return await review_reports.republish_review(decision, operator_id=operator_id, complaint_id=complaint_id)
    if decision["measure"] in referencing.REVERSIBLE:
        return await referencing.reverse(decision, operator_id=operator_id)
    return ""


async def resolve_complaint(complaint_id: int, resolution: ResolutionInput, *, operator_id: int,
                            settings: Settings) -> None:
    """Upholds or reverses the decision. Reversing it undoes the measure: a removed review is published again, a
    seller or product listed again, an offer back on sale. Refused when the complaint was already resolved or
    the resolution is incomplete."""
    case = await complaint_case(complaint_id)
    complaint, decision = case["complaint"], case["decision"]
    if complaint["status"] != "open":
        raise Refused("outcome", "This complaint has already been resolved.")
    refuse_if(resolution.problems())
    outcome, note = resolution.outcome, resolution.note
    async with write_transaction(Complaint._meta.db):
        await Complaint.update({Complaint.status: outcome, Complaint.resolved_at: _now()}).where(
            Complaint.id == complaint_id)
        await audit(operator_id, f"complaint {outcome}", "decision", decision["id"],
                    f"complaint {complaint_id}" + (f": {note}" if note else ""))
        undone = ""
        if outcome == ComplaintStatus.reversed:
            undone = await _undo(decision, operator_id=operator_id, complaint_id=complaint_id)
        if complaint["email"]:
            if outcome == ComplaintStatus.reversed:
                result = "We have reversed our decision" + (f": {undone}" if undone else ".")
            else:
                result = ("After a new examination by a person on our team, we maintain our decision. You can "
                          "still turn to a certified consumer mediator or to the courts.")
            await outbox.queue(to=complaint["email"], kind="complaint_outcome",
                               subject=f"{settings.brand_name}: your complaint about our decision",
                               body=f"{result}\n\n" + (f"{note}\n" if note else ""))
