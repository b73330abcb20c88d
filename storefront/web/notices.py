"""Notices of illegal content (DSA Art. 16): the public form at /report, usable without an account, and the
operator's notice queue at /ops/notices where each notice is rejected or acted on.

The public form takes a subject from the link that led to it (`?subject=offer:12`, `product:3`, `review:7`);
without one, the notifier gives the exact URL. Two limits stop floods: a few notices an hour per e-mail address,
counted from the stored rows, and a larger number per client address, counted in this process.
"""
from __future__ import annotations

import datetime as dt
import time
from collections import deque
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect, Template

from storefront.accounts.service import normalise_email
from storefront.errors import Refused
from storefront.moderation import notices as service
from storefront.moderation.notices import NoticeInput, OfferRemovalInput, RejectionInput
from storefront.settings import Settings
from storefront.web.edge import client_address
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer, viewer_of

ANONYMOUS_FORM = {"csrf": "anonymous"}  # reachable before any session exists
NOTICES_PER_ADDRESS_HOUR = 20  # per client address, per process: a backstop against scripted floods
DONE = {"rejected": "The notice is rejected; its author has been told why.",
        "offer_removed": "The offer was removed: its seller has the statement of reasons, and every notifier "
                         "on it has been told."}


class TooManyNoticesPage(HTTPException):
    status_code = 429
    page_message = (f"You have sent {service.NOTICES_PER_HOUR} notices in the last hour, the most we accept from "
                    "one e-mail address. Nothing was sent this time: please try again in an hour. The notices "
                    "already sent will be examined.")


class TooManyFromAddressPage(HTTPException):
    status_code = 429
    page_message = ("Many notices have come from your connection in the last hour, so we cannot accept another "
                    "one right now. Nothing was sent this time: please try again in an hour.")


class RecentSubmissions:
    """Timestamps of recent submissions per key, in memory: enough to slow a script down on one process."""

    def __init__(self, limit: int, window_seconds: float = 3600) -> None:
        self.limit = limit
        self.window = window_seconds
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def full(self, key: str, now: float | None = None) -> bool:
        return len(self._recent(key, now if now is not None else time.monotonic())) >= self.limit

    def add(self, key: str, now: float | None = None) -> None:
        now = now if now is not None else time.monotonic()
        self._recent(key, now).append(now)
        if len(self._seen) > 10_000:  # forget addresses that have gone quiet, so memory stays bounded
            for stale in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
                del self._seen[stale]


def _address_limit(request: Request) -> RecentSubmissions:
    """One counter per application, so each app (and each test's app) starts from zero."""
    return request.app.state.setdefault("notice_submissions", RecentSubmissions(NOTICES_PER_ADDRESS_HOUR))


# --- The public form --------------------------------------------------------------------------------------

async def _subject_from(text: str | None) -> dict[str, Any] | None:
    parsed = service.parse_subject(text)
    return await service.reportable_subject(*parsed) if parsed else None


def _form_page(subject: dict[str, Any] | None, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200) -> Template:
    return Template(template_name="pages/notices/form.html", status_code=status_code, context={
        "subject": subject, "values": values, "errors": errors, "categories": service.CATEGORIES,
        "explanation_min": service.EXPLANATION_MIN, "explanation_max": service.EXPLANATION_MAX,
        "location_max": service.LOCATION_MAX, "name_max": service.NAME_MAX})


@get("/report", name="notice_form")
async def notice_form(request: Request, settings: NamedDependency[Settings]) -> Template:
    subject = await _subject_from(request.query_params.get("subject"))
    account = viewer_of(request).account
    return _form_page(subject, {
        "category": "", "explanation": "", "good_faith": "",
        "location": settings.public_base_url + subject["path"] if subject else "",
        "name": account["name"] if account else "", "email": account["email"] if account else ""}, {})


@post("/report", name="notice_submit", opt=ANONYMOUS_FORM)
async def notice_submit(request: Request, settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    subject = await _subject_from(str(form.get("subject") or ""))
    values = {"category": str(form.get("category") or ""),
              "explanation": str(form.get("explanation") or "").replace("\r\n", "\n").strip(),
              "location": str(form.get("location") or "").strip(),
              "name": " ".join(str(form.get("name") or "").split()),
              "email": normalise_email(str(form.get("email") or "")),
              "good_faith": "yes" if form.get("good_faith") == "yes" else ""}
    account = viewer_of(request).account
    notice = NoticeInput(subject=subject, category=values["category"], explanation=values["explanation"],
                         location=values["location"], name=values["name"], email=values["email"],
                         good_faith=values["good_faith"] == "yes", reporter_account=account["id"] if account else None)
    if errors := notice.problems():
        return _form_page(subject, values, errors, status_code=400)
    limit, address = _address_limit(request), client_address(request)
    if limit.full(address):
        raise TooManyFromAddressPage()
    try:
        await service.file_notice(notice, settings=settings)
    except service.TooManyNotices as too_many:
        raise TooManyNoticesPage() from too_many
    except Refused as refused:
        return _form_page(subject, values, refused.problems, status_code=400)
    limit.add(address)
    return Redirect(path="/report/sent", status_code=303)


@get("/report/sent", name="notice_sent")
async def notice_sent() -> Template:
    return Template(template_name="pages/notices/sent.html")


# --- The operator's queue ----------------------------------------------------------------------------------

def _age(created_at: dt.datetime, now: dt.datetime) -> str:
    minutes = max(0, int((now - created_at).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


@get("/notices", name="ops_notices")
async def ops_notices(request: Request) -> Template:
    now = dt.datetime.now(dt.UTC)
    notices = await service.open_notices()
    for notice in notices:
        notice["age"] = _age(notice["created_at"], now)
        notice["overdue"] = now - notice["created_at"] > dt.timedelta(hours=24)
    return Template(template_name="pages/ops/notices.html", context={
        "notices": notices, "handled": await service.handled_count(), "section": "notices", "done": None})


async def _case_or_404(notice_id: int) -> dict[str, Any]:
    return await service.notice_case(notice_id)


def _notice_page(request: Request, case: dict[str, Any], settings: Settings, *, form: str = "",
                 values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Template:
    """`form` names the form the errors belong to ("reject" or "remove"), so they show next to its fields."""
    notice = case["notice"]
    values = values or {}
    if "ground" not in values and notice["category"] in service.OFFER_GROUNDS:
        values = {**values, "ground": notice["category"]}
    return Template(template_name="pages/ops/notice.html", status_code=status_code, context={
        **case, "form": form, "values": values, "errors": errors or {},
        "done": DONE.get(request.query_params.get("done") or ""), "section": "notices",
        "grounds": service.OFFER_GROUNDS, "reason_min": service.REASON_MIN, "reason_max": service.REASON_MAX,
        "age": _age(notice["created_at"], dt.datetime.now(dt.UTC)),
        "public_url": settings.public_base_url + case["subject"]["path"] if case["subject"] else ""})


@get("/notices/{notice_id:int}", name="ops_notice")
async def ops_notice(notice_id: Id, request: Request, settings: NamedDependency[Settings]) -> Template:
    return _notice_page(request, await _case_or_404(notice_id), settings)


@post("/notices/{notice_id:int}/reject", name="ops_notice_reject")
async def ops_notice_reject(notice_id: Id, request: Request, settings: NamedDependency[Settings],
                            viewer: NamedDependency[Viewer]) -> Template | Redirect:
    account = viewer.signed_in_account
    case = await _case_or_404(notice_id)
    values = {"reason": str((await request.form()).get("reason") or "").replace("\r\n", "\n").strip()}
    try:
        await service.reject_notice(notice_id, RejectionInput(values["reason"]), operator_id=account["id"],
                                    settings=settings)
    except Refused as refused:
        return _notice_page(request, case, settings, form="reject", values=values,
                            errors=refused.problems, status_code=400)
    return Redirect(path=f"/ops/notices/{notice_id}?done=rejected", status_code=303)


@post("/notices/{notice_id:int}/remove-offer", name="ops_notice_remove_offer")
async def ops_notice_remove_offer(notice_id: Id, request: Request, settings: NamedDependency[Settings],
                                  viewer: NamedDependency[Viewer]
                                  ) -> Template | Redirect:
    account = viewer.signed_in_account
    case = await _case_or_404(notice_id)
    subject = case["subject"]
    if subject is None or subject["type"] != "offer":
        raise NotFoundException()
    form = await request.form()
    values = {"ground": str(form.get("ground") or ""),
              "facts": str(form.get("facts") or "").replace("\r\n", "\n").strip()}
    try:
        await service.remove_offer(subject["id"], OfferRemovalInput(values["ground"], values["facts"]),
                                   operator_id=account["id"], settings=settings)
    except Refused as refused:
        return _notice_page(request, case, settings, form="remove", values=values,
                            errors=refused.problems, status_code=400)
    return Redirect(path=f"/ops/notices/{notice_id}?done=offer_removed", status_code=303)


HANDLERS = [notice_form, notice_submit, notice_sent]
OPS_HANDLERS = [ops_notices, ops_notice, ops_notice_reject, ops_notice_remove_offer]
