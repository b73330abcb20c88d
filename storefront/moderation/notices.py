"""Notices of illegal content (DSA Art. 16): anyone may tell us an offer, a product, a review or any page of the
shop is illegal. Each notice is acknowledged by e-mail, examined by a person, and its author is told the decision
and why (Art. 16(5)). A notice is about a subject ("offer", "product", "review") or, when it could not be tied
to one, about the URL its author gave ("url").

Everything here runs in the caller's transaction when there is one, so a measure, the notices it closes and
the e-mails that announce it commit together.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storefront.accounts.service import looks_like_email
from storefront.accounts.tables import Account
from storefront.catalog.grades import GRADE_BY_KEY
from storefront.catalog.outbox import mark_for_reindex
from storefront.catalog.tables import ProductModel, Variant
from storefront.db import write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.inputs import parse_id
from storefront.mail import outbox
from storefront.moderation.decisions import audit, contest_path, decide
from storefront.moderation.states import Ground, Measure
from storefront.moderation.tables import AuditEntry, Notice
from storefront.reviews.tables import Review
from storefront.rows import one
from storefront.sellers.availability import availability, product_gone
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from storefront.strategy import variant_title

SUBJECT_TYPES = ("offer", "product", "review")
CATEGORIES: dict[str, str] = {
    "counterfeit": "Counterfeit, or infringes intellectual property (trade marks, copyright, designs)",
    "unsafe": "Unsafe or non-compliant product (safety, CE marking, batteries, chargers)",
    "prohibited": "Product whose sale is prohibited",
    "consumer_law": "Breaks consumer law (misleading listing, a refurbished product sold as \"new\")",
    "hate_speech": "Illegal or hateful speech",
    "privacy": "Personal data or privacy",
    "fraud": "Fraud or scam",
    "other": "Other illegal content",
}
# Grounds the operator may give for removing an offer: the law, or the sellers' conditions the seller accepted.
OFFER_GROUNDS: dict[str, str] = {
    "counterfeit": "Illegal content: counterfeit or infringing intellectual property",
    "unsafe": "Illegal content: unsafe or non-compliant with EU product law",
    "prohibited": "Illegal content: a product whose sale is prohibited",
    "consumer_law": "Illegal content: misleading listing under consumer law",
    "fraud": "Illegal content: fraud or scam",
    "other": "Illegal content: other breach of the law",
    "not_refurbished": "Sellers' conditions: only refurbished electronic products may be listed",
    "quality_charter": "Sellers' conditions: breach of the quality charter",
}
EXPLANATION_MIN, EXPLANATION_MAX = 30, 4_000
REASON_MIN, REASON_MAX = 10, 2_000
LOCATION_MAX = 2_000
NAME_MAX = 200
NOTICES_PER_HOUR = 5  # per e-mail address, counted from the stored notices
WINDOW = dt.timedelta(hours=1)
EXCERPT_LENGTH = 140
URL_SHAPE = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


class TooManyNotices(Exception):
    """This e-mail address has sent the most notices an hour allows."""


@dataclass(frozen=True)
class NoticeInput:
    """A notice as its author sends it (Art. 16(2)). `subject` comes from `reportable_subject` (None for a notice
    about a URL); `reporter_account` is None for a visitor."""

    subject: dict[str, Any] | None
    category: str
    explanation: str
    location: str
    name: str
    email: str
    good_faith: bool
    reporter_account: int | None = None

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.category not in CATEGORIES:
            found["category"] = "Choose which kind of illegal content this is."
        if len(self.explanation) < EXPLANATION_MIN:
            found["explanation"] = (f"Explain why the content is illegal in at least {EXPLANATION_MIN} "
                                    f"characters (you wrote {len(self.explanation)}).")
        elif len(self.explanation) > EXPLANATION_MAX:
            found["explanation"] = (f"Keep the explanation to {EXPLANATION_MAX:,} characters or fewer "
                                    f"(it has {len(self.explanation):,}).")
        if not self.location:
            found["location"] = "Give the exact address (URL) of the content, so we can find it."
        elif len(self.location) > LOCATION_MAX or not URL_SHAPE.fullmatch(self.location):
            found["location"] = "Enter a full web address starting with https://, as shown in your browser."
        if not self.name:
            found["name"] = "Enter your name: the law asks for it with every notice."
        elif len(self.name) > NAME_MAX:
            found["name"] = f"Keep your name to {NAME_MAX} characters or fewer (it has {len(self.name)})."
        if not self.email:
            found["email"] = "Enter your e-mail address: we send the acknowledgement and our decision there."
        elif not looks_like_email(self.email):
            found["email"] = "Enter an e-mail address like name@example.com."
        if not self.good_faith:
            found["good_faith"] = ("Tick this box to confirm the notice is accurate and complete, as far as you "
                                   "know.")
        return found


@dataclass(frozen=True)
class RejectionInput:
    """Why the operator finds the content lawful: the notifier reads it."""

    reason: str

    def problems(self) -> dict[str, str]:
        if len(self.reason) < REASON_MIN:
            return {"reason": f"Explain in at least {REASON_MIN} characters why the content is not illegal: the "
                              "notifier reads it."}
        if len(self.reason) > REASON_MAX:
            return {"reason": f"Keep the reason to {REASON_MAX:,} characters or fewer (it has {len(self.reason):,})."}
        return {}


@dataclass(frozen=True)
class OfferRemovalInput:
    """The operator's reasons for removing an offer: the ground and the facts its seller reads."""

    ground: str
    facts: str

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.ground not in OFFER_GROUNDS:
            found["ground"] = "Choose the ground: the law or the sellers' conditions the offer breaks."
        if len(self.facts) < REASON_MIN:
            found["facts"] = "Describe the facts in a few words: the seller reads them in the statement of reasons."
        elif len(self.facts) > REASON_MAX:
            found["facts"] = f"Keep the facts to {REASON_MAX:,} characters or fewer (they have {len(self.facts):,})."
        return found


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_subject(text: str | None) -> tuple[str, int] | None:
    """"offer:12" -> ("offer", 12); anything else -> None."""
    kind, _, number = (text or "").partition(":")
    subject_id = parse_id(number)
    if kind in SUBJECT_TYPES and subject_id is not None:
        return kind, subject_id
    return None


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"


async def describe_subjects(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    """What each subject is, in a shopper's words, with its public path. `available` is False when it is no
    longer on the shop (storefront.sellers.availability: removed offer, dereferenced seller or product; removed
    review). Missing subjects are left out."""
    wanted: dict[str, set[int]] = {kind: set() for kind in SUBJECT_TYPES}
    for kind, number in keys:
        if kind in wanted:
            wanted[kind].add(number)
    found: dict[tuple[str, int], dict[str, Any]] = {}
    if wanted["offer"]:
        rows = await Offer.select(
            Offer.id, Offer.grade, Offer.status, Offer.price_cents, Offer.seller.id.as_alias("seller_id"),
            Offer.seller.name.as_alias("seller_name"), Offer.variant.slug.as_alias("slug"),
            Offer.variant.storage_gb.as_alias("storage_gb"), Offer.variant.color.as_alias("color"),
            Offer.variant._.model._.id.as_alias("model_id"),
            Offer.variant._.model._.name.as_alias("model_name"),
            Offer.variant._.model._.brand._.name.as_alias("brand_name"),
            Offer.variant._.model._.is_dereferenced.as_alias("model_dereferenced"), Offer.stock,
            Offer.seller.status.as_alias("seller_status"),
        ).where(Offer.id.is_in(sorted(wanted["offer"])))
        for row in rows:
            grade = GRADE_BY_KEY.get(row["grade"])
            listed = availability(row, {"status": row["seller_status"]},
                                  {"is_dereferenced": row["model_dereferenced"]}).shown
            found[("offer", row["id"])] = {
                "type": "offer", "id": row["id"], "kind_label": "Offer",
                "title": variant_title(row["brand_name"], row["model_name"], row["storage_gb"], row["color"]),
                "detail": f"{grade.label if grade else row['grade']} condition, sold by {row['seller_name']}",
                "path": f"/p/{row['slug']}#offer-{row['id']}", "status": row["status"],
                "available": listed,
                "seller_id": row["seller_id"], "model_id": row["model_id"], "price_cents": row["price_cents"]}
    if wanted["product"]:
        rows = await ProductModel.select(
            ProductModel.id, ProductModel.name, ProductModel.is_dereferenced,
            ProductModel.brand.name.as_alias("brand_name"),
        ).where(ProductModel.id.is_in(sorted(wanted["product"])))
        model_ids = [row["id"] for row in rows] or [0]
        first_variant: dict[int, str] = {}
        for variant in await Variant.select(Variant.model, Variant.slug).where(
                Variant.model.is_in(model_ids)).order_by(Variant.id):
            first_variant.setdefault(variant["model"], variant["slug"])
        offer_sellers: dict[int, list[dict[str, Any]]] = {}
        for offer in await Offer.select(Offer.variant.model.as_alias("model"), Offer.seller.status.as_alias(
                "status")).where(Offer.variant.model.is_in(model_ids)):
            offer_sellers.setdefault(offer["model"], []).append(offer)
        for row in rows:
            slug = first_variant.get(row["id"])
            found[("product", row["id"])] = {
                "type": "product", "id": row["id"], "kind_label": "Product",
                "title": f"{row['brand_name']} {row['name']}", "detail": "The product itself, whoever sells it",
                "path": f"/p/{slug}" if slug else "", "model_id": row["id"],
                "status": "dereferenced" if row["is_dereferenced"] else "listed",
                "available": bool(slug) and not product_gone(row, offer_sellers.get(row["id"], []))}
    if wanted["review"]:
        rows = await Review.select(
            Review.id, Review.status, Review.rating, Review.comment, Review.model.id.as_alias("model_id"),
            Review.model.name.as_alias("model_name"), Review.model._.brand._.name.as_alias("brand_name"),
            Review.model.is_dereferenced.as_alias("model_dereferenced"), Review.variant.slug.as_alias("slug"),
        ).where(Review.id.is_in(sorted(wanted["review"])))
        for row in rows:
            words = f": “{_excerpt(row['comment'])}”" if row["comment"].strip() else " (rating only)"
            found[("review", row["id"])] = {
                "type": "review", "id": row["id"], "kind_label": "Review",
                "title": f"Review of {row['brand_name']} {row['model_name']}", "detail": f"{row['rating']}/5{words}",
                "path": f"/p/{row['slug']}#review-{row['id']}", "status": row["status"],
                "available": row["status"] == "published" and not row["model_dereferenced"],
                "model_id": row["model_id"], "review_id": row["id"]}
    return found


async def reportable_subject(kind: str, number: int) -> dict[str, Any] | None:
    """The subject as the public form shows it, or None when it is unknown or no longer on the shop."""
    subject = (await describe_subjects([(kind, number)])).get((kind, number))
    return subject if subject and subject["available"] else None


def _audit_key(notice: dict[str, Any]) -> tuple[str, int]:
    """Notices on a subject are audited on that subject, so its history shows them; the others on themselves."""
    if notice["subject_id"] is not None:
        return notice["subject_type"], notice["subject_id"]
    return "notice", notice["id"]


def _what(subject: dict[str, Any] | None, location: str) -> str:
    return f"{subject['title']} ({subject['detail']})" if subject else location


def _redress(settings: Settings, contest_url: str = "") -> str:
    """How a notifier contests the decision (Art. 20): through the complaint page when the decision was addressed
    to their account, by writing to the contact point otherwise."""
    how = (f"contest it here within six months: {contest_url}" if contest_url else
           f"write to {settings.operator.contact_email} within six months")
    return (f"If you disagree with this decision, {how}. A different person on our team will look at it again, "
            "free of charge. You may also turn to a certified out-of-court dispute settlement body or to the "
            "courts.")


async def file_notice(notice: NoticeInput, *, settings: Settings, now: dt.datetime | None = None) -> int:
    """Stores a notice and acknowledges it by e-mail; Refused when it lacks what Art. 16(2) asks, the
    good-faith statement included. The hourly limit per e-mail address is counted in the writer's transaction,
    so it holds across processes."""
    refuse_if(notice.problems())
    now = now or _now()
    subject, category, explanation, location = notice.subject, notice.category, notice.explanation, notice.location
    name, email, reporter_account = notice.name, notice.email, notice.reporter_account
    async with write_transaction(Notice._meta.db):
        recent = await Notice.count().where((Notice.email == email) & (Notice.created_at >= now - WINDOW))
        if recent >= NOTICES_PER_HOUR:
            raise TooManyNotices()
        stored = Notice(subject_type=subject["type"] if subject else "url",
                        subject_id=subject["id"] if subject else None, category=category, explanation=explanation,
                        location=location, name=name, email=email,
                        reporter_account=reporter_account, good_faith=notice.good_faith, status="open",
                        created_at=now)
        await stored.save()
        row = {"id": stored.id, "subject_type": stored.subject_type, "subject_id": stored.subject_id}
        await audit(reporter_account, "notice received", *_audit_key(row), f"notice {stored.id}: {category}")
        await outbox.queue(
            to=email, kind="notice_received", subject=f"{settings.brand_name}: we received your notice",
            body=(f"Hello {name},\n\n"
                  f"Thank you for your notice of illegal content, received on {now:%d %B %Y at %H:%M} UTC "
                  f"(reference N-{stored.id}).\n\n"
                  f"What you reported: {_what(subject, location)}\n"
                  f"Where: {location}\n"
                  f"Why it would be illegal: {CATEGORIES[category]}\n"
                  f"Your explanation:\n{explanation}\n\n"
                  "A person on our moderation team will examine it; nothing is decided automatically. We will "
                  "e-mail you our decision and the reasons for it.\n"))
    return stored.id


async def close_notices(subject_type: str, subject_id: int, *, outcome: str, operator_id: int | None,
                        settings: Settings) -> int:
    """Marks every open notice on this subject handled with `outcome` (a sentence the notifiers read, such as
    "We removed the offer."), e-mails each notifier once and audits it. Returns how many were closed."""
    async with write_transaction(Notice._meta.db):
        notices = await Notice.select().where(
            (Notice.subject_type == subject_type) & (Notice.subject_id == subject_id) & (Notice.status == "open")
        ).order_by(Notice.id)
        if not notices:
            return 0
        await Notice.update({Notice.status: "handled", Notice.outcome: outcome, Notice.handled_at: _now(),
                             Notice.handled_by: operator_id}).where(Notice.id.is_in([n["id"] for n in notices]))
        by_email: dict[str, list[dict[str, Any]]] = {}
        for notice in notices:
            by_email.setdefault(notice["email"], []).append(notice)
        for email, theirs in sorted(by_email.items()):
            sent = "\n".join(f"- N-{n['id']} of {n['created_at']:%d %B %Y}: {n['location']}" for n in theirs)
            await outbox.queue(
                to=email, kind="notice_decision", subject=f"{settings.brand_name}: our decision on your notice",
                body=(f"Hello {theirs[0]['name']},\n\n"
                      f"A person on our moderation team has examined the notice{'s' if len(theirs) > 1 else ''} "
                      f"you sent us:\n{sent}\n\n"
                      f"Our decision: {outcome}\n\n{_redress(settings)}\n\nThank you for helping keep the shop "
                      "safe and lawful.\n"))
        await audit(operator_id, "notices handled", subject_type, subject_id,
                    f"notice(s) {', '.join(str(n['id']) for n in notices)}: {outcome}"[:2_000])
    return len(notices)


async def open_notices() -> list[dict[str, Any]]:
    """Open notices, the oldest first: each must be handled promptly."""
    notices = await Notice.select().where(Notice.status == "open").order_by(Notice.created_at, Notice.id)
    subjects = await describe_subjects((n["subject_type"], n["subject_id"]) for n in notices
                                       if n["subject_id"] is not None)
    for notice in notices:
        notice["subject"] = subjects.get((notice["subject_type"], notice["subject_id"]))
        notice["category_label"] = CATEGORIES.get(notice["category"], notice["category"])
    return notices


async def handled_count() -> int:
    return await Notice.count().where(Notice.status == "handled")


async def notice_case(notice_id: int) -> dict[str, Any]:
    """The notice, its subject, the other notices on the same subject and its history; LookupError if none."""
    notice = await Notice.select(*Notice.all_columns(), Notice.handled_by.email.as_alias("handled_by_email")).where(
        Notice.id == notice_id).first()
    if notice is None:
        raise NotFound(notice_id)
    notice["category_label"] = CATEGORIES.get(notice["category"], notice["category"])
    subject, others = None, []
    if notice["subject_id"] is not None:
        key = (notice["subject_type"], notice["subject_id"])
        subject = (await describe_subjects([key])).get(key)
        others = await Notice.select().where(
            (Notice.subject_type == notice["subject_type"]) & (Notice.subject_id == notice["subject_id"])
            & (Notice.id != notice_id)).order_by(Notice.created_at)
        for other in others:
            other["category_label"] = CATEGORIES.get(other["category"], other["category"])
    audit_type, audit_id = _audit_key(notice)
    trail = await AuditEntry.select(*AuditEntry.all_columns(), AuditEntry.actor.email.as_alias("actor_email")).where(
        (AuditEntry.subject_type == audit_type) & (AuditEntry.subject_id == audit_id)).order_by(AuditEntry.id)
    return {"notice": notice, "subject": subject, "others": others, "audit": trail}


async def reject_notice(notice_id: int, rejection: RejectionInput, *, operator_id: int, settings: Settings) -> int:
    """The content stays: this notice is closed and its author told why (Art. 16(5)). The decision is recorded
    for the audit; it imposes nothing on anyone, so decide() sends no statement of reasons. Refused when the
    reason is missing or the notice was already handled."""
    case = await notice_case(notice_id)
    notice = case["notice"]
    reason = rejection.reason.replace("\r\n", "\n").strip()
    if notice["status"] != "open":
        raise Refused("reason", "This notice has already been handled.")
    refuse_if(RejectionInput(reason).problems())
    subject_type, subject_id = _audit_key(notice)
    outcome = f"We found that the content is not illegal, so it stays on the shop. Our reasons: {reason}"
    async with write_transaction(Notice._meta.db):
        # Recorded on the notice, not on its subject: reversing it on a complaint must not touch the listing.
        decision_id = await decide(
            subject_type="notice", subject_id=notice_id, measure=Measure.notice_rejected,
            facts=f"Notice N-{notice_id} ({CATEGORIES.get(notice['category'], notice['category'])}) examined: "
                  f"{reason}",
            ground=Ground.notice_examined, ground_detail="the content is not illegal", recipient_email=notice["email"],
            recipient_account=notice["reporter_account"], decided_by=operator_id, settings=settings, notify=False)
        await Notice.update({Notice.status: "handled", Notice.outcome: outcome, Notice.handled_at: _now(),
                             Notice.handled_by: operator_id}).where(Notice.id == notice_id)
        contest_url = (settings.public_base_url + contest_path(decision_id)
                       if notice["reporter_account"] else "")
        await outbox.queue(
            to=notice["email"], kind="notice_decision", subject=f"{settings.brand_name}: our decision on your notice",
            body=(f"Hello {notice['name']},\n\n"
                  f"A person on our moderation team has examined the notice N-{notice_id} you sent us on "
                  f"{notice['created_at']:%d %B %Y} about {notice['location']}.\n\n"
                  f"Our decision: {outcome}\n\n{_redress(settings, contest_url)}\n"))
        await audit(operator_id, "notice rejected", subject_type, subject_id,
                    f"notice {notice_id}; decision {decision_id}")
    return decision_id


async def remove_offer(offer_id: int, removal: OfferRemovalInput, *, operator_id: int, settings: Settings) -> int:
    """Takes the offer off the shop and out of search, sends its seller the statement of reasons (Art. 17) and
    closes the notices on it. Refused when the reasons are incomplete or the offer is already gone."""
    removal = OfferRemovalInput(removal.ground, removal.facts.replace("\r\n", "\n").strip())
    subject = (await describe_subjects([("offer", offer_id)])).get(("offer", offer_id))
    if subject is None:
        raise NotFound(offer_id)
    if subject["status"] == "removed":
        raise Refused("ground", "This offer has already been removed.")
    if subject["status"] == "deleted":
        raise Refused("ground", "Its seller has deleted this offer: it is no longer on the store.")
    refuse_if(removal.problems())
    ground, facts = removal.ground, removal.facts
    offer = await one(Offer.select(Offer.variant, Offer.seller.email.as_alias("seller_email")).where(
        Offer.id == offer_id).first(), offer_id)
    seller_user = await Account.select(Account.id).where(Account.seller == subject["seller_id"]).order_by(
        Account.id).first()
    async with write_transaction(Offer._meta.db):
        removed = await Offer.update({Offer.status: "removed", Offer.updated_at: _now()}).where(
            (Offer.id == offer_id) & Offer.status.is_in(["active", "paused"])).returning(Offer.id)
        if not removed:
            raise Refused("ground", "This offer changed meanwhile (removed or deleted): look at it again.")
        await mark_for_reindex([offer["variant"]])
        decision_id = await decide(
            subject_type="offer", subject_id=offer_id, measure=Measure.offer_removed,
            facts=f"Your offer {offer_id}, {subject['title']} ({subject['detail']}): {facts}",
            ground=Ground.offer_rules, ground_detail=OFFER_GROUNDS[ground],
            recipient_email=offer["seller_email"] or "",
            recipient_account=seller_user["id"] if seller_user else None, decided_by=operator_id,
            settings=settings)
        await close_notices("offer", offer_id, outcome="We removed the offer from the shop.",
                            operator_id=operator_id, settings=settings)
    return decision_id
