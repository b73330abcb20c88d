"""The operator's moderation console under /ops, and the page where a decision's recipient contests it.

/ops is for operator accounts only (the console Router's guard): anonymous visitors are sent to sign in, other
accounts get a 403. The contest pages sit in the signed-in account area.
Each action is recorded in the append-only audit trail; no route edits or deletes it.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.moderation import complaints, decisions, review_reports
from storefront.moderation.complaints import ComplaintInput, ResolutionInput
from storefront.moderation.console_views import open_notice_count
from storefront.moderation.review_reports import ReviewRemovalInput
from storefront.reviews import rules
from storefront.sellers.console_views import pending_seller_count
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

FACTS_MAX = review_reports.FACTS_MAX
DONE = {"kept": "The review stays published; the reporters have been told.",
        "removed": "The review was removed; its author has received the statement of reasons.",
        "upheld": "The decision is upheld; the complainant has been told.",
        "reversed": "The decision is reversed; the complainant has been told."}


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done") or "")


@get("/", name="ops_queue")
async def ops_queue(request: Request) -> Template:
    return Template(template_name="pages/ops/queue.html", context={
        "cases": await review_reports.review_queue(), "complaints": await complaints.open_complaints(),
        "open_notices": await open_notice_count(), "pending_sellers": await pending_seller_count(),
        "done": _done(request), "section": "queue"})


async def _case_or_404(review_id: int) -> dict[str, Any]:
    return await review_reports.review_case(review_id)


def _review_page(request: Request, case: dict[str, Any], *, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return Template(template_name="pages/ops/review.html", status_code=status_code, context={
        **case, "reasons": rules.REPORT_REASONS, "values": values or {}, "errors": errors or {},
        "done": _done(request), "facts_max": FACTS_MAX, "section": "queue"})


@get("/reviews/{review_id:int}", name="ops_review")
async def ops_review(review_id: Id, request: Request) -> Template:
    return _review_page(request, await _case_or_404(review_id))


@post("/reviews/{review_id:int}/keep", name="ops_review_keep")
async def ops_review_keep(review_id: Id, request: Request,
                          settings: NamedDependency[Settings], viewer: NamedDependency[Viewer]) -> Redirect:
    account = viewer.signed_in_account
    await _case_or_404(review_id)
    note = str((await request.form()).get("note") or "").strip()[:FACTS_MAX]
    await review_reports.keep_review(review_id, operator_id=account["id"], note=note, settings=settings)
    return Redirect(path=f"/ops/reviews/{review_id}?done=kept", status_code=303)


@post("/reviews/{review_id:int}/remove", name="ops_review_remove")
async def ops_review_remove(review_id: Id, request: Request, settings: NamedDependency[Settings],
                            viewer: NamedDependency[Viewer]) -> Template | Redirect:
    account = viewer.signed_in_account
    case = await _case_or_404(review_id)
    form = await request.form()
    values = {"ground": str(form.get("ground") or ""),
              "facts": str(form.get("facts") or "").replace("\r\n", "\n").strip()}
    removal = ReviewRemovalInput(ground=values["ground"], facts=values["facts"])
    errors = removal.problems()
    if not errors:
        try:
            await review_reports.remove_review(review_id, removal, operator_id=account["id"], settings=settings)
        except Refused as refused:
            errors = refused.problems
    if errors:
        return _review_page(request, case, values=values, errors=errors, status_code=400)
    return Redirect(path=f"/ops/reviews/{review_id}?done=removed", status_code=303)


async def _complaint_or_404(complaint_id: int) -> dict[str, Any]:
    return await complaints.complaint_case(complaint_id)


def _complaint_page(request: Request, case: dict[str, Any], *, values: dict[str, str] | None = None,
                    error: str | None = None, status_code: int = 200) -> Template:
    return Template(template_name="pages/ops/complaint.html", status_code=status_code, context={
        **case, "values": values or {}, "error": error, "done": _done(request), "section": "queue"})


@get("/complaints/{complaint_id:int}", name="ops_complaint")
async def ops_complaint(complaint_id: Id, request: Request) -> Template:
    return _complaint_page(request, await _complaint_or_404(complaint_id))


@post("/complaints/{complaint_id:int}/resolve", name="ops_complaint_resolve")
async def ops_complaint_resolve(complaint_id: Id, request: Request, settings: NamedDependency[Settings],
                                viewer: NamedDependency[Viewer]
                                ) -> Template | Redirect:
    account = viewer.signed_in_account
    case = await _complaint_or_404(complaint_id)
    form = await request.form()
    values = {"outcome": str(form.get("outcome") or ""), "note": str(form.get("note") or "").strip()}
    try:
        await complaints.resolve_complaint(complaint_id, ResolutionInput(values["outcome"], values["note"]),
                                           operator_id=account["id"], settings=settings)
    except Refused as refused:
        return _complaint_page(request, case, values=values, error=refused.message, status_code=400)
    return Redirect(path=f"/ops/complaints/{complaint_id}?done={values['outcome']}", status_code=303)


# --- The recipient's side: contesting a decision (DSA Art. 20) -------------------------------------------

async def _decision_for(viewer: Viewer, decision_id: int) -> dict[str, Any]:
    return await decisions.decision_for_recipient(decision_id, viewer.signed_in_account["id"])


async def _contest_page(decision: dict[str, Any], *, values: dict[str, str] | None = None,
                        errors: dict[str, str] | None = None, sent: bool = False, status_code: int = 200) -> Template:
    return Template(template_name="pages/decisions/contest.html", status_code=status_code, context={
        "decision": decision, "values": values or {"message": ""}, "errors": errors or {}, "sent": sent,
        "expired": decisions.contest_expired(decision), "complaints": await complaints.complaints_on(decision["id"]),
        "message_min": complaints.COMPLAINT_MIN, "message_max": complaints.COMPLAINT_MAX})


@get("/decisions/{decision_id:int}/contest", name="decision_contest")
async def contest_form(decision_id: Id, request: Request, viewer: NamedDependency[Viewer]) -> Template:
    decision = await _decision_for(viewer, decision_id)
    return await _contest_page(decision, sent=request.query_params.get("sent") == "1")


@post("/decisions/{decision_id:int}/contest", name="decision_contest_submit")
async def contest_submit(decision_id: Id, request: Request,
                         viewer: NamedDependency[Viewer]) -> Template | Redirect:
    decision = await _decision_for(viewer, decision_id)
    values = {"message": str((await request.form()).get("message") or "").replace("\r\n", "\n").strip()}
    try:
        await complaints.complain(decision_id, viewer.signed_in_account["id"], ComplaintInput(values["message"]))
    except Refused as refused:
        return await _contest_page(decision, values=values, errors=refused.problems, status_code=400)
    return Redirect(path=f"/decisions/{decision_id}/contest?sent=1", status_code=303)


HANDLERS = [ops_queue, ops_review, ops_review_keep, ops_review_remove, ops_complaint, ops_complaint_resolve]
CONTEST_HANDLERS = [contest_form, contest_submit]
