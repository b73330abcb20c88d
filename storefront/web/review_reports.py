"""Reporting a review (DSA Art. 16): anyone, with or without an account, can tell us a review breaks the rules.

A report needs a reason, an explanation and, without an account, an e-mail address for the acknowledgement
and the decision. Each reporter may send a few reports an hour; the rest get a 429 page.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from storefront.accounts.service import normalise_email
from storefront.errors import Refused
from storefront.moderation import review_reports as moderation
from storefront.moderation.review_reports import ReviewReportInput
from storefront.reviews import rules
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import viewer_of

ANONYMOUS_FORM = {"csrf": "anonymous"}  # reachable before any session exists


class TooManyReportsPage(HTTPException):
    status_code = 429
    page_message = (f"You have sent {rules.REPORTS_PER_HOUR} reports in the last hour, the most we accept. "
                    "Nothing was sent this time: please try again in an hour. Reports already sent will be "
                    "looked at.")


async def _review_or_404(review_id: int) -> dict[str, Any]:
    return await moderation.published_review(review_id)


def _page(review: dict[str, Any], values: dict[str, str], errors: dict[str, str],
          status_code: int = 200) -> Template:
    return Template(template_name="pages/reviews/report.html", status_code=status_code, context={
        "review": review, "values": values, "errors": errors, "reasons": rules.REPORT_REASONS,
        "message_min": moderation.REPORT_MESSAGE_MIN, "message_max": moderation.REPORT_MESSAGE_MAX})


@get("/reviews/{review_id:int}/report", name="review_report")
async def report_form(review_id: Id) -> Template:
    return _page(await _review_or_404(review_id), {"reason": "", "message": "", "email": ""}, {})


@post("/reviews/{review_id:int}/report", name="review_report_submit", opt=ANONYMOUS_FORM)
async def report_submit(review_id: Id, request: Request,
                        settings: NamedDependency[Settings]) -> Template | Redirect:
    review = await _review_or_404(review_id)
    viewer = viewer_of(request)
    form = await request.form()
    values = {"reason": str(form.get("reason") or ""),
              "message": str(form.get("message") or "").replace("\r\n", "\n").strip(),
              "email": normalise_email(str(form.get("email") or ""))}
    account = viewer.account
    report = ReviewReportInput(reason=values["reason"], message=values["message"],
                               reporter_email=account["email"] if account else values["email"],
                               reporter_account=account["id"] if account else None)
    if errors := report.problems():
        return _page(review, values, errors, status_code=400)
    try:
        await moderation.file_report(review_id, report, settings=settings)
    except moderation.TooManyReports as too_many:
        raise TooManyReportsPage() from too_many
    except Refused as refused:
        return _page(review, values, refused.problems, status_code=400)
    return Redirect(path=f"/reviews/{review_id}/report/sent", status_code=303)


@get("/reviews/{review_id:int}/report/sent", name="review_report_sent")
async def report_sent(review_id: Id) -> Template:
    return Template(template_name="pages/reviews/report_sent.html", context={"review_id": review_id})


HANDLERS = [report_form, report_submit, report_sent]
