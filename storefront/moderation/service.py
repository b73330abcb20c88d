"""Moderation decisions with their statement of reasons (DSA Art. 17), internal complaints against them
(Art. 20) and the append-only audit trail. Nothing here updates or deletes an AuditEntry row."""
from __future__ import annotations

import datetime as dt

from storefront.accounts.tables import Account
from storefront.db import write_transaction
from storefront.errors import NotFound
from storefront.mail import outbox
from storefront.moderation.states import ComplaintStatus, Ground, Measure
from storefront.moderation.tables import AuditEntry, Complaint, Decision
from storefront.reviews import rules
from storefront.reviews.service import refresh_ratings
from storefront.reviews.tables import Review, ReviewReport
from storefront.settings import Settings

CONTEST_WINDOW = dt.timedelta(days=183)  # six months, counted generously
COMPLAINT_MIN, COMPLAINT_MAX = 10, 2_000


class Refused(ValueError):
    """What was asked cannot be done; `message` says why in the asker's words, `field` names the form field
    it belongs next to."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


class ComplaintRefused(Refused):
    """The complaint cannot be filed: `field` is "message" when the text is at fault, "decision" when the
    decision can no longer be contested."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def contest_path(decision_id: int) -> str:
    return f"/decisions/{decision_id}/contest"


def redress_text(decision_id: int, contest_until: dt.datetime, settings: Settings) -> str:
    return (f"You can contest this decision free of charge through our internal complaint system until "
            f"{contest_until:%d %B %Y} (six months): {settings.public_base_url}{contest_path(decision_id)}. "
            "A person, not a machine, will look at your complaint. You may also turn to a certified consumer "
            "mediator or to the courts at any time.")


async def audit(actor_id: int | None, action: str, subject_type: str, subject_id: int, detail: str = "") -> None:
    """Adds one line to the audit trail, in the caller's transaction when there is one."""
    await AuditEntry.insert(AuditEntry(actor=actor_id, action=action[:60], subject_type=subject_type[:12],
                                       subject_id=subject_id, detail=detail, created_at=_now()))


async def decide(*, subject_type: str, subject_id: int, measure: Measure, facts: str, ground: Ground,
                 ground_detail: str = "", automated: bool = False, recipient_email: str,
                 recipient_account: int | None = None, decided_by: int | None, settings: Settings,
                 notify: bool = True) -> int:
    """Records a decision and e-mails its statement of reasons to the recipient. `notify=False` only for
    decisions that impose nothing on anyone (a review kept), recorded for the audit."""
    now = _now()
    contest_until = now + CONTEST_WINDOW
    async with write_transaction(Decision._meta.db):
        decision = Decision(subject_type=subject_type, subject_id=subject_id, measure=measure, facts=facts,
                            ground=ground, ground_detail=ground_detail, automated=automated, redress="",
                            recipient_email=recipient_email, recipient_account=recipient_account,
                            decided_by=decided_by, decided_at=now, contest_until=contest_until)
        await decision.save()
        redress = redress_text(decision.id, contest_until, settings)
        await Decision.update({Decision.redress: redress}).where(Decision.id == decision.id)
        await audit(decided_by, f"decision: {measure}", subject_type, subject_id,
                    f"decision {decision.id}; ground: {ground}" + (f" ({ground_detail})" if ground_detail else ""))
        if notify and recipient_email:
            await outbox.queue(to=recipient_email, kind="statement_of_reasons",
                               subject=f"{settings.brand_name}: statement of reasons ({measure})",
                               body=statement_of_reasons(measure=measure, facts=facts, ground=ground,
                                                         ground_detail=ground_detail, automated=automated,
                                                         redress=redress, decided_at=now))
    return decision.id


def statement_of_reasons(*, measure: str, facts: str, ground: str, ground_detail: str, automated: bool,
                         redress: str, decided_at: dt.datetime) -> str:
    how = ("This decision was taken by automated means." if automated else
           "This decision was taken by a person on our moderation team; no automated means were used.")
    return (f"Decision of {decided_at:%d %B %Y}.\n\n"
            f"What we did: {measure}.\n\n"
            f"Facts and circumstances: {facts}\n\n"
            "Ground: " + (f"{ground_detail} ({ground})" if ground_detail else ground) + ".\n\n"
            f"{how}\n\n"
            f"How to contest it: {redress}\n")


async def decision_for_recipient(decision_id: int, account_id: int) -> dict:
    """The decision if it was addressed to this account; LookupError otherwise (a 404, like a missing one)."""
    decision = await Decision.select().where(Decision.id == decision_id).first()
    if decision is None or decision["recipient_account"] != account_id:
        raise NotFound(decision_id)
    return decision


def contest_expired(decision: dict, now: dt.datetime | None = None) -> bool:
    return (now or _now()) > decision["contest_until"]


async def complaints_on(decision_id: int) -> list[dict]:
    return await Complaint.select().where(Complaint.decision == decision_id).order_by(Complaint.id)


async def complain(decision_id: int, account: int, message: str, now: dt.datetime | None = None) -> int:
    """Files an internal complaint; it goes back to the operator's queue."""
    decision = await decision_for_recipient(decision_id, account)
    message = message.replace("\r\n", "\n").strip()
    now = now or _now()
    if contest_expired(decision, now):
        raise ComplaintRefused("decision", f"The six months to contest this decision ended on "
                               f"{decision['contest_until']:%d %B %Y}. You can still turn to a consumer "
                               "mediator or to the courts.")
    if len(message) < COMPLAINT_MIN:
        raise ComplaintRefused("message", f"Tell us why the decision is wrong in at least {COMPLAINT_MIN} characters.")
    if len(message) > COMPLAINT_MAX:
        raise ComplaintRefused("message", f"Keep your complaint under {COMPLAINT_MAX:,} characters "
                                          f"(it has {len(message):,}).")
    async with write_transaction(Complaint._meta.db):
        complaint = Complaint(decision=decision_id, account=account, message=message, status="open", created_at=now)
        await complaint.save()
        await audit(account, "complaint filed", "decision", decision_id, f"complaint {complaint.id}")
    return complaint.id


# ---------------------------------------------------------------------------------------------------------
# Reviews: notices from anyone (Art. 16), the operator's queue, and the measures taken on a review.
# ---------------------------------------------------------------------------------------------------------

REPORT_MESSAGE_MIN, REPORT_MESSAGE_MAX = 10, 2_000
REPORT_WINDOW = dt.timedelta(hours=1)


class TooManyReports(Exception):
    """The reporter has sent the most reports an hour allows."""


def short_name(name: str | None) -> str:
    """First name and the initial of the last, as reviews are signed on product pages."""
    parts = (name or "A buyer").split()
    return parts[0] + (f" {parts[-1][0]}." if len(parts) > 1 else "")


async def published_review(review_id: int) -> dict:
    """A published review with its product, for the report form; LookupError otherwise."""
    review = await Review.select(
        *Review.all_columns(), Review.model.name.as_alias("product_name"), Review.variant.slug.as_alias("slug"),
        Review.account.name.as_alias("author_name"),
    ).where((Review.id == review_id) & (Review.status == "published")).first()
    if review is None:
        raise NotFound(review_id)
    review["author"] = short_name(review.pop("author_name"))
    return review


async def file_report(review_id: int, *, reason: str, message: str, reporter_account: int | None,
                      reporter_email: str, settings: Settings, now: dt.datetime | None = None) -> int:
    """Stores a notice against a published review and acknowledges it by e-mail. The hourly limit is
    counted from the stored reports, in the writer's transaction, so it holds across processes."""
    now = now or _now()
    review = await published_review(review_id)
    async with write_transaction(ReviewReport._meta.db):
        since = ReviewReport.created_at >= now - REPORT_WINDOW
        mine = (ReviewReport.reporter_account == reporter_account if reporter_account is not None
                else ReviewReport.reporter_email == reporter_email)
        if await ReviewReport.count().where(since & mine) >= rules.REPORTS_PER_HOUR:
            raise TooManyReports()
        report = ReviewReport(review=review_id, reason=reason, message=message, reporter_account=reporter_account,
                              reporter_email=reporter_email, status="open", created_at=now)
        await report.save()
        await audit(reporter_account, "review reported", "review", review_id, f"report {report.id}: {reason}")
        await outbox.queue(to=reporter_email, kind="report_received",
                           subject=f"{settings.brand_name}: we received your report",
                           body=(f"Thank you for reporting a review of {review['product_name']}.\n\n"
                                 f"Reason: {rules.REPORT_REASONS[reason]}\n\n"
                                 "A person on our moderation team will look at it, and we will e-mail you the "
                                 "decision. Reviews are not removed automatically.\n"))
    return report.id


async def review_queue() -> list[dict]:
    """Reviews with open reports, the most recently reported first, with the count of each reason."""
    reports = await ReviewReport.select(
        ReviewReport.review, ReviewReport.reason, ReviewReport.created_at,
        ReviewReport.review.model.name.as_alias("product_name"), ReviewReport.review.rating.as_alias("rating"),
        ReviewReport.review.comment.as_alias("comment"), ReviewReport.review.status.as_alias("review_status"),
    ).where(ReviewReport.status == "open").order_by(ReviewReport.created_at, ascending=False)
    cases: dict[int, dict] = {}
    for report in reports:
        case = cases.setdefault(report["review"], {
            "review_id": report["review"], "product_name": report["product_name"], "rating": report["rating"],
            "comment": report["comment"], "review_status": report["review_status"],
            "latest": report["created_at"], "count": 0, "reasons": {}})
        case["count"] += 1
        label = rules.REPORT_REASONS.get(report["reason"], report["reason"])
        case["reasons"][label] = case["reasons"].get(label, 0) + 1
    return list(cases.values())


async def open_complaints() -> list[dict]:
    return await Complaint.select(
        *Complaint.all_columns(), Complaint.decision.measure.as_alias("measure"),
        Complaint.decision.subject_type.as_alias("subject_type"), Complaint.decision.subject_id.as_alias("subject_id"),
    ).where(Complaint.status == "open").order_by(Complaint.created_at, ascending=False)


async def review_case(review_id: int) -> dict:
    """Everything the operator needs to decide on one review; LookupError when there is no such review."""
    review = await Review.select(
        *Review.all_columns(), Review.model.name.as_alias("product_name"), Review.variant.slug.as_alias("slug"),
        Review.account.name.as_alias("author_name"),
    ).where(Review.id == review_id).first()
    if review is None:
        raise NotFound(review_id)
    review["author"] = short_name(review.pop("author_name"))
    reports = await ReviewReport.select().where(ReviewReport.review == review_id).order_by(
        ReviewReport.created_at, ascending=False)
    for report in reports:
        report["reason_label"] = rules.REPORT_REASONS.get(report["reason"], report["reason"])
    decisions = await Decision.select().where(
        (Decision.subject_type == "review") & (Decision.subject_id == review_id)).order_by(Decision.id, ascending=False)
    trail = await AuditEntry.select(*AuditEntry.all_columns(), AuditEntry.actor.email.as_alias("actor_email")).where(
        (AuditEntry.subject_type == "review") & (AuditEntry.subject_id == review_id)).order_by(AuditEntry.id)
    return {"review": review, "reports": reports, "decisions": decisions, "audit": trail,
            "open_reports": sum(r["status"] == "open" for r in reports)}


async def _handle_reports(review_id: int, operator_id: int, outcome: str, settings: Settings) -> int:
    """Marks the open reports handled and tells each reporter the outcome (Art. 16(5))."""
    reports = await ReviewReport.select().where(
        (ReviewReport.review == review_id) & (ReviewReport.status == "open"))
    await ReviewReport.update({ReviewReport.status: "handled", ReviewReport.handled: True}).where(
        (ReviewReport.review == review_id) & (ReviewReport.status == "open"))
    for email in sorted({r["reporter_email"] for r in reports if r["reporter_email"]}):
        await outbox.queue(to=email, kind="report_decision",
                           subject=f"{settings.brand_name}: about the review you reported",
                           body=f"We looked at the review you reported. {outcome}\n\nThank you for helping keep "
                                "reviews useful and lawful.\n")
    if reports:
        await audit(operator_id, "reports handled", "review", review_id, f"{len(reports)} report(s)")
    return len(reports)


async def keep_review(review_id: int, *, operator_id: int, note: str, settings: Settings) -> int:
    """The review stays: the reports are closed, the reporters told, and the decision recorded for the audit
    (it imposes nothing on the author, who gets no e-mail)."""
    case = await review_case(review_id)
    async with write_transaction(Review._meta.db):
        decision_id = await decide(
            subject_type="review", subject_id=review_id, measure=Measure.review_kept,
            facts=note or f"{case['open_reports']} report(s) examined; the review breaks none of our rules.",
            ground=Ground.reviews_policy, ground_detail="no breach found", recipient_email="", decided_by=operator_id,
            settings=settings, notify=False)
        await _handle_reports(review_id, operator_id, "It breaks none of our rules, so it stays published.",
                              settings)
        from storefront.moderation.notices import close_notices  # here: notices imports this module

        await close_notices("review", review_id, operator_id=operator_id, settings=settings,
                            outcome="We examined the review and found nothing illegal in it, so it stays published.")
    return decision_id


async def remove_review(review_id: int, *, operator_id: int, ground: str, facts: str, settings: Settings) -> int:
    """The review goes from the product page, the ratings and search; its author gets the statement of
    reasons. ValueError if it is already removed."""
    case = await review_case(review_id)
    review = case["review"]
    if review["status"] != "published":
        raise ValueError("This review has already been removed.")
    author = await Account.select(Account.id, Account.email).where(Account.id == review["account"]).first()
    async with write_transaction(Review._meta.db):
        await Review.update({Review.status: "removed"}).where(Review.id == review_id)
        await refresh_ratings(review["model"], review["seller"])
        decision_id = await decide(
            subject_type="review", subject_id=review_id, measure=Measure.review_removed,
            facts=f"Your review of {review['product_name']} (published {review['published_at']:%d %B %Y}): {facts}",
            ground=Ground.reviews_policy, ground_detail=rules.REPORT_REASONS[ground],
            recipient_email=author["email"] if author else "", recipient_account=review["account"],
            decided_by=operator_id, settings=settings)
        await _handle_reports(review_id, operator_id, "It breaks our rules and has been removed.", settings)
        from storefront.moderation.notices import close_notices  # here: notices imports this module

        await close_notices("review", review_id, operator_id=operator_id, settings=settings,
                            outcome="We removed the review from the shop.")
    return decision_id


async def complaint_case(complaint_id: int) -> dict:
    complaint = await Complaint.select(*Complaint.all_columns(), Complaint.account.email.as_alias("email")).where(
        Complaint.id == complaint_id).first()
    if complaint is None:
        raise NotFound(complaint_id)
    decision = await Decision.select().where(Decision.id == complaint["decision"]).first()
    return {"complaint": complaint, "decision": decision}


async def resolve_complaint(complaint_id: int, *, operator_id: int, outcome: str, note: str,
                            settings: Settings) -> None:
    """Upholds or reverses the decision. Reversing it undoes the measure: a removed review is published again, a
    seller or product listed again, an offer back on sale. ValueError when the complaint was already resolved."""
    case = await complaint_case(complaint_id)
    complaint, decision = case["complaint"], case["decision"]
    if complaint["status"] != "open":
        raise ValueError("This complaint has already been resolved.")
    if outcome not in (ComplaintStatus.upheld, ComplaintStatus.reversed):
        raise ValueError("Choose whether the decision is upheld or reversed.")
    async with write_transaction(Complaint._meta.db):
        await Complaint.update({Complaint.status: outcome, Complaint.resolved_at: _now()}).where(
            Complaint.id == complaint_id)
        await audit(operator_id, f"complaint {outcome}", "decision", decision["id"],
                    f"complaint {complaint_id}" + (f": {note}" if note else ""))
        if outcome == ComplaintStatus.reversed and decision["measure"] == Measure.review_removed:
            review = await Review.select(Review.model, Review.seller).where(
                Review.id == decision["subject_id"]).first()
            if review:
                await Review.update({Review.status: "published"}).where(Review.id == decision["subject_id"])
                await refresh_ratings(review["model"], review["seller"])
                await audit(operator_id, "review republished", "review", decision["subject_id"],
                            f"decision {decision['id']} reversed on complaint {complaint_id}")
        undone = ""
        if outcome == ComplaintStatus.reversed and decision["measure"] != Measure.review_removed:
            from storefront.moderation.referencing import reverse

            undone = await reverse(decision, operator_id=operator_id)
        if complaint["email"]:
            if outcome == ComplaintStatus.reversed:
                result = "We have reversed our decision" + (
                    ": your review is published again." if decision["measure"] == Measure.review_removed
                    else f": {undone}" if undone else ".")
            else:
                result = ("After a new examination by a person on our team, we maintain our decision. You can "
                          "still turn to a certified consumer mediator or to the courts.")
            await outbox.queue(to=complaint["email"], kind="complaint_outcome",
                               subject=f"{settings.brand_name}: your complaint about our decision",
                               body=f"{result}\n\n" + (f"{note}\n" if note else ""))
