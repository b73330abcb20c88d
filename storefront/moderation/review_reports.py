"""Reviews reported by anyone (DSA Art. 16), the operator's queue of reported reviews, and the measures taken
on a review: kept, removed (with a statement of reasons to its author), or published again when a complaint
reverses its removal."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storefront.accounts.service import looks_like_email
from storefront.accounts.tables import Account
from storefront.db import write_transaction
from storefront.errors import NotFound, refuse_if
from storefront.mail import outbox
from storefront.moderation.decisions import audit, decide
from storefront.moderation.notices import close_notices
from storefront.moderation.states import Ground, Measure
from storefront.moderation.tables import AuditEntry, Decision
from storefront.reviews import rules
from storefront.reviews.service import refresh_ratings
from storefront.reviews.tables import Review, ReviewReport
from storefront.settings import Settings

REPORT_MESSAGE_MIN, REPORT_MESSAGE_MAX = 10, 2_000
REPORT_WINDOW = dt.timedelta(hours=1)
FACTS_MIN, FACTS_MAX = 10, 2_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TooManyReports(Exception):
    """The reporter has sent the most reports an hour allows."""


@dataclass(frozen=True)
class ReviewReportInput:
    """A report as its author sends it; `reporter_account` is None for a visitor, who must give an e-mail."""

    reason: str
    message: str
    reporter_email: str
    reporter_account: int | None = None

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.reason not in rules.REPORT_REASONS:
            found["reason"] = "Choose why this review should not be published."
        if len(self.message) < REPORT_MESSAGE_MIN:
            found["message"] = (f"Explain what is wrong with this review in at least {REPORT_MESSAGE_MIN} "
                                "characters.")
        elif len(self.message) > REPORT_MESSAGE_MAX:
            found["message"] = (f"Keep the explanation to {REPORT_MESSAGE_MAX:,} characters or fewer "
                                f"(it has {len(self.message):,}).")
        if self.reporter_account is None:
            if not self.reporter_email:
                found["email"] = "Enter your e-mail address: we send the acknowledgement and our decision there."
            elif not looks_like_email(self.reporter_email):
                found["email"] = "Enter an e-mail address like name@example.com."
        return found


@dataclass(frozen=True)
class ReviewRemovalInput:
    """The operator's reasons for removing a review: the rule it breaks and the facts its author reads."""

    ground: str
    facts: str

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.ground not in rules.REPORT_REASONS:
            found["ground"] = "Choose the rule this review breaks."
        if len(self.facts) < FACTS_MIN:
            found["facts"] = "Describe the facts in a few words: the author reads them in the statement of reasons."
        elif len(self.facts) > FACTS_MAX:
            found["facts"] = f"Keep the facts to {FACTS_MAX:,} characters or fewer (they have {len(self.facts):,})."
        return found


def short_name(name: str | None) -> str:
    """First name and the initial of the last, as reviews are signed on product pages."""
    parts = (name or "A buyer").split()
    return parts[0] + (f" {parts[-1][0]}." if len(parts) > 1 else "")


async def published_review(review_id: int) -> dict[str, Any]:
    """A published review with its product, for the report form; LookupError otherwise."""
    review = await Review.select(
        *Review.all_columns(), Review.model.name.as_alias("product_name"), Review.variant.slug.as_alias("slug"),
        Review.account.name.as_alias("author_name"),
    ).where((Review.id == review_id) & (Review.status == "published")).first()
    if review is None:
        raise NotFound(review_id)
    review["author"] = short_name(review.pop("author_name"))
    return review


async def file_report(review_id: int, report: ReviewReportInput, *, settings: Settings,
                      now: dt.datetime | None = None) -> int:
    """Stores a notice against a published review and acknowledges it by e-mail; Refused when the report is
    incomplete. The hourly limit is counted from the stored reports, in the writer's transaction, so it holds
    across processes."""
    refuse_if(report.problems())
    now = now or _now()
    review = await published_review(review_id)
    reason, message = report.reason, report.message
    reporter_account, reporter_email = report.reporter_account, report.reporter_email
    async with write_transaction(ReviewReport._meta.db):
        since = ReviewReport.created_at >= now - REPORT_WINDOW
        mine = (ReviewReport.reporter_account == reporter_account if reporter_account is not None
                else ReviewReport.reporter_email == reporter_email)
        if await ReviewReport.count().where(since & mine) >= rules.REPORTS_PER_HOUR:
            raise TooManyReports()
        stored = ReviewReport(review=review_id, reason=reason, message=message, reporter_account=reporter_account,
                              reporter_email=reporter_email, status="open", created_at=now)
        await stored.save()
        await audit(reporter_account, "review reported", "review", review_id, f"report {stored.id}: {reason}")
        await outbox.queue(to=reporter_email, kind="report_received",
                           subject=f"{settings.brand_name}: we received your report",
                           body=(f"Thank you for reporting a review of {review['product_name']}.\n\n"
                                 f"Reason: {rules.REPORT_REASONS[reason]}\n\n"
                                 "A person on our moderation team will look at it, and we will e-mail you the "
                                 "decision. Reviews are not removed automatically.\n"))
    return stored.id


async def review_queue() -> list[dict[str, Any]]:
    """Reviews with open reports, the most recently reported first, with the count of each reason."""
    reports = await ReviewReport.select(
        ReviewReport.review, ReviewReport.reason, ReviewReport.created_at,
        ReviewReport.review._.model._.name.as_alias("product_name"), ReviewReport.review.rating.as_alias("rating"),
        ReviewReport.review.comment.as_alias("comment"), ReviewReport.review.status.as_alias("review_status"),
    ).where(ReviewReport.status == "open").order_by(ReviewReport.created_at, ascending=False)
    cases: dict[int, dict[str, Any]] = {}
    for report in reports:
        case = cases.setdefault(report["review"], {
            "review_id": report["review"], "product_name": report["product_name"], "rating": report["rating"],
            "comment": report["comment"], "review_status": report["review_status"],
            "latest": report["created_at"], "count": 0, "reasons": {}})
        case["count"] += 1
        label = rules.REPORT_REASONS.get(report["reason"], report["reason"])
        case["reasons"][label] = case["reasons"].get(label, 0) + 1
    return list(cases.values())


async def review_case(review_id: int) -> dict[str, Any]:
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
        await close_notices("review", review_id, operator_id=operator_id, settings=settings,
                            outcome="We examined the review and found nothing illegal in it, so it stays published.")
    return decision_id


async def remove_review(review_id: int, removal: ReviewRemovalInput, *, operator_id: int,
                        settings: Settings) -> int:
    """The review goes from the product page, the ratings and search; its author gets the statement of
    reasons. Refused when the reasons are incomplete or the review is already removed."""
    case = await review_case(review_id)
    review = case["review"]
    problems = removal.problems()
    if review["status"] != "published":
        problems["ground"] = "This review has already been removed."
    refuse_if(problems)
    ground, facts = removal.ground, removal.facts
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
        await close_notices("review", review_id, operator_id=operator_id, settings=settings,
                            outcome="We removed the review from the shop.")
    return decision_id


async def republish_review(decision: dict[str, Any], *, operator_id: int, complaint_id: int) -> str:
    """Undoes a removal reversed on complaint, inside the caller's transaction; returns what the complainant
    is told."""
    review = await Review.select(Review.model, Review.seller).where(Review.id == decision["subject_id"]).first()
    if review:
        await Review.update({Review.status: "published"}).where(Review.id == decision["subject_id"])
        await refresh_ratings(review["model"], review["seller"])
        await audit(operator_id, "review republished", "review", decision["subject_id"],
                    f"decision {decision['id']} reversed on complaint {complaint_id}")
    return "your review is published again."
