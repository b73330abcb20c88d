"""Reporting reviews and moderating them through HTTP: notices from anyone (DSA Art. 16), the operator's
console, the statement of reasons (Art. 17), complaints (Art. 20) and the append-only audit trail.

Each review comes from a real delivered order.
"""
from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.cart import service as carts
from storefront.catalog.tables import ProductModel, Variant
from storefront.mail.tables import OutboxEmail
from storefront.moderation.tables import AuditEntry, Complaint, Decision
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import OrderLine, SellerOrder
from storefront.reviews import rules
from storefront.reviews import service as reviews
from storefront.reviews.tables import Review, ReviewReport
from storefront.settings import Settings
from tests.integration.commerce import csrf_from, make_account, offer_in_stock, post_form, sign_in


@dataclass
class Reviewed:
    review_id: int
    author: dict
    model_id: int
    slug: str
    comment: str


@pytest.fixture
async def reviewed(prepared_store: Settings, drainer: OutboxDrainer) -> Reviewed:
    return await reviewed_purchase(prepared_store, drainer)


async def reviewed_purchase(settings: Settings, drainer: OutboxDrainer) -> Reviewed:
    """A buyer who received a product and reviewed it, as the shop does it."""
    author = await make_account(name="Lucie Bernard")
    offer = await offer_in_stock()
    cart = await carts.create_cart(author["id"])
    await carts.add(cart, offer["id"], 1)
    placed = await place_order(cart_id=cart, account_id=author["id"],
                               address=DeliveryAddress("Lucie Bernard", "1 rue de la Paix", "75001", "Paris"),
                               payment_means="card", idempotency_key=secrets.token_hex(8), settings=settings)
    await drainer.drain()
    await transitions.payment_succeeded(placed.order_id, settings)
    so = await SellerOrder.select().where(SellerOrder.order == placed.order_id).first()
    await transitions.accept(so["id"], seller_id=so["seller"], settings=settings)
    await transitions.ship(so["id"], seller_id=so["seller"], carrier="Colissimo", tracking_number="1",
                           settings=settings)
    await transitions.deliver(so["id"], seller_id=so["seller"], settings=settings)
    await drainer.drain()
    line = await OrderLine.select().where(OrderLine.seller_order == so["id"]).first()
    comment = f"Battery died after two days, review {uuid.uuid4().hex[:10]}"
    review_id = await reviews.create({"id": author["id"], "seller": None}, line["id"],
                                     reviews.read_form({"rating": "1", "comment": comment}))
    await drainer.drain()
    review = await Review.select(Review.model, Review.variant).where(Review.id == review_id).first()
    variant = await Variant.select(Variant.slug).where(Variant.id == review["variant"]).first()
    return Reviewed(review_id, author, review["model"], variant["slug"], comment)


async def report(client: AsyncTestClient, review_id: int, **data: str):
    page = f"/reviews/{review_id}/report"
    return await post_form(client, page, page, data, follow_redirects=False)


async def as_operator(client: AsyncTestClient) -> dict:
    operator = await make_account(role="operator", name="Olivia Ops")
    await sign_in(client, operator["id"])
    return operator


async def remove(client: AsyncTestClient, review_id: int, ground: str = "abusive",
                 facts: str = "It insults the seller's staff by name."):
    return await post_form(client, f"/ops/reviews/{review_id}", f"/ops/reviews/{review_id}/remove",
                           {"ground": ground, "facts": facts}, follow_redirects=False)


async def mails(kind: str, to: str) -> list[dict]:
    return await OutboxEmail.select().where((OutboxEmail.kind == kind) & (OutboxEmail.to_address == to))


async def rating_count(model_id: int) -> int:
    return (await ProductModel.select(ProductModel.rating_count).where(ProductModel.id == model_id).first())[
        "rating_count"]


# --- Reporting ---------------------------------------------------------------------------------------------

async def test_anyone_can_report_a_review_with_an_email(client: AsyncTestClient, reviewed: Reviewed) -> None:
    email = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    answer = await report(client, reviewed.review_id, reason="advertising",
                          message="It only advertises another shop's website.", email=email)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/reviews/{reviewed.review_id}/report/sent"
    thanks = await client.get(answer.headers["location"])
    assert "will look at the review you reported" in thanks.text
    rows = await ReviewReport.select().where(ReviewReport.review == reviewed.review_id)
    assert [(r["reason"], r["reporter_email"], r["status"]) for r in rows] == [("advertising", email, "open")]
    assert len(await mails("report_received", email)) == 1


async def test_a_report_without_email_is_refused_and_keeps_what_was_typed(client: AsyncTestClient,
                                                                          reviewed: Reviewed) -> None:
    answer = await report(client, reviewed.review_id, reason="off_topic", message="Talks only about the courier.")
    assert answer.status_code == 400
    page = unescape(answer.text)
    assert "Talks only about the courier." in page
    assert 'value="off_topic" required checked' in page
    assert 'id="f-email-error"' in page
    assert await ReviewReport.count().where(ReviewReport.review == reviewed.review_id) == 0


async def test_an_unknown_reason_is_refused(client: AsyncTestClient, reviewed: Reviewed) -> None:
    answer = await report(client, reviewed.review_id, reason="i_dislike_it", message="I simply do not like it.",
                          email="someone@example.com")
    assert answer.status_code == 400
    assert 'id="f-reason-error"' in answer.text
    assert await ReviewReport.count().where(ReviewReport.review == reviewed.review_id) == 0


async def test_the_report_after_the_hourly_limit_gets_429_and_is_not_stored(client: AsyncTestClient,
                                                                            reviewed: Reviewed) -> None:
    email = f"busy-{uuid.uuid4().hex[:8]}@example.com"
    for _ in range(rules.REPORTS_PER_HOUR):
        answer = await report(client, reviewed.review_id, reason="duplicate", message="Posted many times.",
                              email=email)
        assert answer.status_code == 303
    refused = await report(client, reviewed.review_id, reason="duplicate", message="Posted many times.", email=email)
    assert refused.status_code == 429
    assert "try again in an hour" in refused.text
    assert await ReviewReport.count().where(ReviewReport.reporter_email == email) == rules.REPORTS_PER_HOUR


async def test_a_signed_in_reporter_is_limited_by_account(client: AsyncTestClient, reviewed: Reviewed) -> None:
    reader = await make_account()
    await sign_in(client, reader["id"])
    for _ in range(rules.REPORTS_PER_HOUR):
        assert (await report(client, reviewed.review_id, reason="misleading",
                             message="Written by the seller itself.")).status_code == 303
    assert (await report(client, reviewed.review_id, reason="misleading",
                         message="Written by the seller itself.")).status_code == 429
    rows = await ReviewReport.select().where(ReviewReport.reporter_account == reader["id"])
    assert len(rows) == rules.REPORTS_PER_HOUR and {r["reporter_email"] for r in rows} == {reader["email"]}


async def test_a_removed_review_cannot_be_reported(client: AsyncTestClient, reviewed: Reviewed) -> None:
    page = f"/reviews/{reviewed.review_id}/report"
    token = csrf_from((await client.get(page)).text)
    await Review.update({Review.status: "removed"}).where(Review.id == reviewed.review_id)
    assert (await client.get(page)).status_code == 404
    answer = await client.post(page, data={"_csrf": token, "reason": "advertising", "message": "Advertising.",
                                           "email": "someone@example.com"})
    assert answer.status_code == 404
    assert await ReviewReport.count().where(ReviewReport.review == reviewed.review_id) == 0


# --- The console ---------------------------------------------------------------------------------------------

async def test_the_console_is_for_operators_only(client: AsyncTestClient) -> None:
    anonymous = await client.get("/ops/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=/ops")
    shopper = await make_account()
    await sign_in(client, shopper["id"])
    assert (await client.get("/ops/")).status_code == 403


async def test_the_queue_shows_reported_reviews_with_counts_per_reason(client: AsyncTestClient,
                                                                       reviewed: Reviewed) -> None:
    for reason in ("advertising", "advertising", "competitor"):
        await report(client, reviewed.review_id, reason=reason, message="Pushes another shop.",
                     email=f"r-{uuid.uuid4().hex[:6]}@example.com")
    await as_operator(client)
    queue = unescape((await client.get("/ops/")).text)
    assert f"/ops/reviews/{reviewed.review_id}" in queue
    assert "Advertising: 2" in queue and f"{rules.REPORT_REASONS['competitor']}: 1" in queue
    case = unescape((await client.get(f"/ops/reviews/{reviewed.review_id}")).text)
    assert reviewed.comment in case and "Lucie B." in case and "Pushes another shop." in case


async def test_removing_a_review_takes_it_down_and_sends_the_statement_of_reasons(
        client: AsyncTestClient, reviewed: Reviewed) -> None:
    await report(client, reviewed.review_id, reason="abusive", message="Insults the staff by name.",
                 email="witness@example.com")
    count_before = await rating_count(reviewed.model_id)
    audit_before = await AuditEntry.count()
    assert reviewed.comment in unescape((await client.get(f"/p/{reviewed.slug}/reviews?sort=newest")).text)
    await as_operator(client)
    answer = await remove(client, reviewed.review_id, facts="It calls a named employee an idiot.")
    assert answer.status_code == 303
    product = await client.get(f"/p/{reviewed.slug}/reviews?sort=newest")
    assert product.status_code == 200 and reviewed.comment not in unescape(product.text)
    assert reviewed.comment not in [r["comment"] for r in await reviews.product_reviews(reviewed.model_id, "newest")]
    assert await rating_count(reviewed.model_id) == count_before - 1
    decision = await Decision.select().where((Decision.subject_type == "review")
                                             & (Decision.subject_id == reviewed.review_id)).first()
    assert decision["measure"] == "review removed" and decision["recipient_account"] == reviewed.author["id"]
    assert decision["contest_until"] - decision["decided_at"] >= dt.timedelta(days=182)
    [statement] = await mails("statement_of_reasons", reviewed.author["email"])
    assert rules.REPORT_REASONS["abusive"] in statement["body"]
    assert "It calls a named employee an idiot." in statement["body"]
    assert f"/decisions/{decision['id']}/contest" in statement["body"]
    assert "no automated means" in statement["body"]
    assert await ReviewReport.count().where((ReviewReport.review == reviewed.review_id)
                                            & (ReviewReport.status == "open")) == 0
    assert len(await mails("report_decision", "witness@example.com")) >= 1
    assert await AuditEntry.count() > audit_before


async def test_removal_needs_a_ground_and_facts(client: AsyncTestClient, reviewed: Reviewed) -> None:
    await as_operator(client)
    answer = await remove(client, reviewed.review_id, ground="", facts="")
    assert answer.status_code == 400
    assert 'id="f-ground-error"' in answer.text and 'id="f-facts-error"' in answer.text
    assert (await Review.select(Review.status).where(Review.id == reviewed.review_id).first())["status"] == "published"


async def test_keeping_a_review_closes_the_reports_without_writing_to_the_author(
        client: AsyncTestClient, reviewed: Reviewed) -> None:
    reporter = f"k-{uuid.uuid4().hex[:8]}@example.com"
    await report(client, reviewed.review_id, reason="inconsistent", message="One star but praises the phone.",
                 email=reporter)
    await as_operator(client)
    answer = await post_form(client, f"/ops/reviews/{reviewed.review_id}", f"/ops/reviews/{reviewed.review_id}/keep",
                             follow_redirects=False)
    assert answer.status_code == 303
    assert [r["status"] for r in await ReviewReport.select().where(ReviewReport.review == reviewed.review_id)] == [
        "handled"]
    assert (await Review.select(Review.status).where(Review.id == reviewed.review_id).first())["status"] == "published"
    kept = await Decision.select().where((Decision.subject_id == reviewed.review_id)
                                         & (Decision.measure == "review kept")).first()
    assert kept is not None
    assert await mails("statement_of_reasons", reviewed.author["email"]) == []
    [told] = await mails("report_decision", reporter)
    assert "stays published" in told["body"]
    assert await AuditEntry.count().where((AuditEntry.subject_type == "review")
                                          & (AuditEntry.subject_id == reviewed.review_id)) >= 2


# --- Contesting a decision -------------------------------------------------------------------------------------

async def removed_with_decision(client: AsyncTestClient, reviewed: Reviewed) -> int:
    await as_operator(client)
    assert (await remove(client, reviewed.review_id)).status_code == 303
    decision = await Decision.select(Decision.id).where((Decision.subject_id == reviewed.review_id)
                                                        & (Decision.measure == "review removed")).first()
    return decision["id"]


async def test_the_author_contests_and_the_operator_reverses(client: AsyncTestClient, reviewed: Reviewed) -> None:
    count_before = await rating_count(reviewed.model_id)
    decision_id = await removed_with_decision(client, reviewed)
    await sign_in(client, reviewed.author["id"])
    page = f"/decisions/{decision_id}/contest"
    answer = await post_form(client, page, page, {"message": "My review describes my own experience, politely."},
                             follow_redirects=False)
    assert answer.status_code == 303
    complaint = await Complaint.select().where(Complaint.decision == decision_id).first()
    assert complaint["status"] == "open" and complaint["account"] == reviewed.author["id"]

    await as_operator(client)
    assert f"/ops/complaints/{complaint['id']}" in (await client.get("/ops/")).text
    audit_before = await AuditEntry.count()
    resolved = await post_form(client, f"/ops/complaints/{complaint['id']}",
                               f"/ops/complaints/{complaint['id']}/resolve", {"outcome": "reversed"},
                               follow_redirects=False)
    assert resolved.status_code == 303
    assert (await Review.select(Review.status).where(Review.id == reviewed.review_id).first())["status"] == "published"
    assert await rating_count(reviewed.model_id) == count_before
    assert (await Complaint.select(Complaint.status).where(Complaint.id == complaint["id"]).first())[
        "status"] == "reversed"
    assert len(await mails("complaint_outcome", reviewed.author["email"])) == 1
    assert await AuditEntry.count() > audit_before


async def test_a_short_complaint_is_refused_with_the_text_kept(client: AsyncTestClient, reviewed: Reviewed) -> None:
    decision_id = await removed_with_decision(client, reviewed)
    await sign_in(client, reviewed.author["id"])
    page = f"/decisions/{decision_id}/contest"
    answer = await post_form(client, page, page, {"message": "Unfair"})
    assert answer.status_code == 400
    assert ">Unfair</textarea>" in answer.text and 'id="f-message-error"' in answer.text
    assert await Complaint.count().where(Complaint.decision == decision_id) == 0


async def test_another_account_cannot_see_or_contest_the_decision(client: AsyncTestClient,
                                                                  reviewed: Reviewed) -> None:
    decision_id = await removed_with_decision(client, reviewed)
    page = f"/decisions/{decision_id}/contest"
    stranger = await make_account()
    await sign_in(client, stranger["id"])
    assert (await client.get(page)).status_code == 404
    token = csrf_from((await client.get("/")).text)  # the stranger's own sign-out form
    answer = await client.post(page, data={"_csrf": token, "message": "I want this review back online."})
    assert answer.status_code == 404
    assert await Complaint.count().where(Complaint.decision == decision_id) == 0


async def test_a_decision_cannot_be_contested_after_six_months(client: AsyncTestClient, reviewed: Reviewed) -> None:
    decision_id = await removed_with_decision(client, reviewed)
    await Decision.update({Decision.contest_until: dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}).where(
        Decision.id == decision_id)
    await sign_in(client, reviewed.author["id"])
    page = f"/decisions/{decision_id}/contest"
    shown = await client.get(page)
    assert shown.status_code == 200 and "The six months to contest this decision ended" in shown.text
    # The form is gone from the page; a late POST (from an old tab) is refused with the same explanation.
    token = csrf_from(shown.text)  # the sign-out form's token, bound to the session
    answer = await client.post(page, data={"_csrf": token, "message": "Please look at it again."})
    assert answer.status_code == 400 and "The six months to contest this decision ended" in answer.text
    assert await Complaint.count().where(Complaint.decision == decision_id) == 0


# --- The audit trail -------------------------------------------------------------------------------------------

async def test_the_audit_trail_has_no_route_to_edit_or_delete_it(client: AsyncTestClient,
                                                                 reviewed: Reviewed) -> None:
    await removed_with_decision(client, reviewed)
    entry = await AuditEntry.select().where(AuditEntry.subject_id == reviewed.review_id).first()
    assert entry is not None
    token = csrf_from((await client.get("/ops/")).text)
    for path in ("/ops/audit", f"/ops/audit/{entry['id']}", f"/ops/audit/{entry['id']}/delete"):
        for method in ("POST", "PUT", "DELETE"):
            answer = await client.request(method, path, headers={"X-CSRF-Token": token})
            assert answer.status_code in (404, 405), (method, path)
    assert await AuditEntry.select().where(AuditEntry.id == entry["id"]).first() == entry
