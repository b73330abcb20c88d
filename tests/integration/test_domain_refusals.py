"""The domain enforces its own rules: each service called directly, with no form in front of it, refuses
bad input with `Refused` naming the field, and stores nothing."""
from __future__ import annotations

import pytest

from storefront.contact.service import ContactForm, send_message
from storefront.contact.tables import ContactMessage
from storefront.errors import Refused
from storefront.moderation import complaints, notices, review_reports
from storefront.moderation.decisions import decide
from storefront.moderation.states import Ground, Measure
from storefront.moderation.tables import Complaint, Notice
from storefront.orders import transitions
from storefront.orders.tables import Claim, SellerOrder
from storefront.reviews import service as reviews
from storefront.reviews.tables import Review, ReviewReport
from storefront.sellers.services import read_company_form, update_traceability
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from tests.integration.builders import demo_operator_id
from tests.integration.commerce import make_account

EXPLANATION = "The listing calls this refurbished phone brand new, which misleads buyers under consumer law."


async def a_published_review() -> dict:
    return await Review.select().where(Review.status == "published").order_by(Review.id).first()


async def test_a_notice_without_the_good_faith_statement_is_refused_by_the_service(settings: Settings) -> None:
    before = await Notice.count()
    with pytest.raises(Refused) as refused:
        await notices.file_notice(notices.NoticeInput(
            subject=None, category="consumer_law", explanation=EXPLANATION,
            location="https://encore.example/p/iphone-13", name="Jeanne Dupont", email="jeanne@example.com",
            good_faith=False), settings=settings)
    assert refused.value.field == "good_faith"
    assert await Notice.count() == before


async def test_a_review_report_too_short_and_without_an_address_is_refused_by_the_service(
        settings: Settings) -> None:
    review = await a_published_review()
    with pytest.raises(Refused) as refused:
        await review_reports.file_report(review["id"], review_reports.ReviewReportInput(
            reason="advertising", message="Spam", reporter_email=""), settings=settings)
    assert refused.value.problems.keys() == {"message", "email"}
    assert await ReviewReport.count().where(ReviewReport.review == review["id"]) == 0


async def test_removing_a_review_on_a_ground_that_is_no_rule_is_refused_and_it_stays(settings: Settings) -> None:
    review = await a_published_review()
    with pytest.raises(Refused) as refused:
        await review_reports.remove_review(review["id"], review_reports.ReviewRemovalInput(
            ground="dislike", facts="The operator does not like it."), operator_id=await demo_operator_id(),
            settings=settings)
    assert refused.value.problems == {"ground": "Choose the rule this review breaks."}
    assert (await Review.select(Review.status).where(Review.id == review["id"]).first())["status"] == "published"


async def test_a_complaint_of_one_word_is_refused_by_the_service(settings: Settings) -> None:
    account = await make_account()
    decision_id = await decide(subject_type="review", subject_id=1, measure=Measure.review_removed,
                               facts="Your review advertised another shop.", ground=Ground.reviews_policy,
                               recipient_email=account["email"], recipient_account=account["id"],
                               decided_by=None, settings=settings)
    with pytest.raises(Refused) as refused:
        await complaints.complain(decision_id, account["id"], complaints.ComplaintInput("Unfair"))
    assert refused.value.problems == {"message": "Tell us why the decision is wrong in at least 10 characters."}
    assert await Complaint.count().where(Complaint.decision == decision_id) == 0


async def test_a_review_edited_without_a_rating_is_refused_by_the_service(settings: Settings) -> None:
    review = await a_published_review()
    with pytest.raises(Refused) as refused:
        await reviews.update({"id": review["account"]}, review["id"], reviews.ReviewInput(rating=None, comment="Meh"),
                             now=review["delivered_at"])
    assert refused.value.problems == {"rating": "Choose a rating from 1 to 5 stars."}
    assert (await Review.select(Review.comment).where(Review.id == review["id"]).first())["comment"] == review[
        "comment"]


async def test_a_claim_without_a_word_is_refused_by_the_service(settings: Settings) -> None:
    part = await SellerOrder.select(SellerOrder.id, SellerOrder.order.account.as_alias("account")).where(
        SellerOrder.status == "delivered").order_by(SellerOrder.id).first()
    claims = await Claim.count().where(Claim.seller_order == part["id"])
    with pytest.raises(Refused) as refused:
        await transitions.open_claim(part["id"], account_id=part["account"], reason="defective", message="  ",
                                     settings=settings)
    assert refused.value.problems == {"message": "Tell the seller what happened."}
    assert await Claim.count().where(Claim.seller_order == part["id"]) == claims


async def test_a_contact_message_to_no_address_is_refused_by_the_service(settings: Settings) -> None:
    before = await ContactMessage.count()
    with pytest.raises(Refused) as refused:
        await send_message(ContactForm(name="Camille Martin", email="camille.example.com", topic="order",
                                       order_reference="", message="Where is my parcel?"),
                           account_id=None, settings=settings)
    assert refused.value.problems == {"email": "Enter an e-mail address like name@example.com."}
    assert await ContactMessage.count() == before


async def test_company_details_with_a_wrong_iban_are_refused_by_the_service(settings: Settings) -> None:
    seller = await Seller.select().where(Seller.status == "pending").order_by(Seller.id).first()
    details = read_company_form({
        "legal_name": "Atelier Ouest SARL", "address": "2 quai du Port, 44000 Nantes", "country": "FR",
        "phone": "+33 2 40 00 00 00", "email": "contact@atelier-ouest.example", "trade_register_number": "732829320",
        "vat_number": "FR12345678901", "representative_name": "Anne Ouest", "id_document": "ID card 4455",
        "payment_account": "FR59 3000 4000 0177 7777 7777 778", "self_certified": "yes"})
    with pytest.raises(Refused) as refused:
        await update_traceability(seller["id"], details)
    assert refused.value.problems == {
        "payment_account": "This is not a valid IBAN: check it against your bank statement."}
    stored = await Seller.select(Seller.legal_name, Seller.payment_account).where(Seller.id == seller["id"]).first()
    assert stored == {"legal_name": seller["legal_name"], "payment_account": seller["payment_account"]}


async def test_company_details_of_a_referenced_seller_are_refused_by_the_service(settings: Settings) -> None:
    seller = await Seller.select(Seller.id).where(Seller.status == "referenced").order_by(Seller.id).first()
    details = read_company_form({
        "legal_name": "Atelier Ouest SARL", "address": "2 quai du Port, 44000 Nantes", "country": "FR",
        "phone": "+33 2 40 00 00 00", "email": "contact@atelier-ouest.example", "trade_register_number": "732829320",
        "vat_number": "FR12345678901", "representative_name": "Anne Ouest", "id_document": "ID card 4455",
        "payment_account": "FR59 3000 4000 0177 7777 7777 777", "self_certified": "yes"})
    with pytest.raises(Refused) as refused:
        await update_traceability(seller["id"], details)
    assert refused.value.field == "form"
