"""Each context's input checks itself: `problems()` maps every field at fault to what its author reads, and
`refuse_if` turns them into the one `Refused` error the domain raises."""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from storefront.contact.service import ContactForm
from storefront.errors import Refused, refuse_if
from storefront.moderation.complaints import ComplaintInput, ResolutionInput
from storefront.moderation.notices import NoticeInput, OfferRemovalInput, RejectionInput
from storefront.moderation.review_reports import ReviewRemovalInput, ReviewReportInput
from storefront.orders.transitions import ClaimInput
from storefront.reviews.service import ReviewInput
from storefront.sellers.services import CompanyDetails, read_company_form

EXPLANATION = "The listing calls this refurbished phone brand new, which misleads buyers."


NOTICE = NoticeInput(subject=None, category="consumer_law", explanation=EXPLANATION,
                     location="https://encore.example/p/iphone-13", name="Jeanne Dupont", email="jeanne@example.com",
                     good_faith=True)


def a_notice(**changes: Any) -> NoticeInput:
    return dataclasses.replace(NOTICE, **changes)


def test_refused_names_the_first_field_and_carries_every_problem() -> None:
    with pytest.raises(Refused) as refused:
        refuse_if({"name": "Enter your name.", "email": "Enter your e-mail."})
    assert (refused.value.field, refused.value.message) == ("name", "Enter your name.")
    assert refused.value.problems == {"name": "Enter your name.", "email": "Enter your e-mail."}


def test_refused_raised_for_one_field_carries_that_field_alone() -> None:
    assert Refused("decision", "Too late.").problems == {"decision": "Too late."}


def test_nothing_is_refused_without_a_problem() -> None:
    refuse_if({})


# --- Notices (DSA Art. 16) ----------------------------------------------------------------------------------

def test_a_complete_notice_has_no_problem() -> None:
    assert a_notice().problems() == {}


def test_a_notice_without_the_good_faith_statement_is_a_problem() -> None:
    assert a_notice(good_faith=False).problems() == {
        "good_faith": "Tick this box to confirm the notice is accurate and complete, as far as you know."}


def test_an_empty_notice_has_a_problem_in_every_field() -> None:
    assert a_notice(category="", explanation="Fake", location="", name="", email="", good_faith=False
                    ).problems() == {
        "category": "Choose which kind of illegal content this is.",
        "explanation": "Explain why the content is illegal in at least 30 characters (you wrote 4).",
        "location": "Give the exact address (URL) of the content, so we can find it.",
        "name": "Enter your name: the law asks for it with every notice.",
        "email": "Enter your e-mail address: we send the acknowledgement and our decision there.",
        "good_faith": "Tick this box to confirm the notice is accurate and complete, as far as you know."}


def test_a_notice_with_a_location_that_is_no_web_address_and_a_mistyped_email() -> None:
    assert a_notice(location="the blue phone", email="jeanne.example.com").problems() == {
        "location": "Enter a full web address starting with https://, as shown in your browser.",
        "email": "Enter an e-mail address like name@example.com."}


def test_the_operator_gives_a_reason_to_reject_a_notice() -> None:
    assert RejectionInput("Lawful.").problems() == {
        "reason": "Explain in at least 10 characters why the content is not illegal: the notifier reads it."}
    assert RejectionInput("The seller's invoice shows it is genuine.").problems() == {}


def test_the_operator_gives_a_ground_and_facts_to_remove_an_offer() -> None:
    assert OfferRemovalInput(ground="whim", facts="Bad.").problems() == {
        "ground": "Choose the ground: the law or the sellers' conditions the offer breaks.",
        "facts": "Describe the facts in a few words: the seller reads them in the statement of reasons."}
    assert OfferRemovalInput(ground="counterfeit", facts="x" * 2_001).problems() == {
        "facts": "Keep the facts to 2,000 characters or fewer (they have 2,001)."}


# --- Review reports and the measures on a review ---------------------------------------------------------------

def test_a_visitor_reporting_a_review_gives_an_email_address() -> None:
    assert ReviewReportInput(reason="advertising", message="It links to another shop.", reporter_email=""
                             ).problems() == {
        "email": "Enter your e-mail address: we send the acknowledgement and our decision there."}


def test_a_signed_in_reporter_needs_no_email_but_a_reason_and_an_explanation() -> None:
    assert ReviewReportInput(reason="", message="Spam", reporter_email="", reporter_account=7).problems() == {
        "reason": "Choose why this review should not be published.",
        "message": "Explain what is wrong with this review in at least 10 characters."}


def test_a_review_report_explanation_has_a_ceiling() -> None:
    assert ReviewReportInput(reason="advertising", message="x" * 2_001, reporter_email="a@example.com").problems() == {
        "message": "Keep the explanation to 2,000 characters or fewer (it has 2,001)."}


def test_the_operator_gives_a_rule_and_facts_to_remove_a_review() -> None:
    assert ReviewRemovalInput(ground="dislike", facts="").problems() == {
        "ground": "Choose the rule this review breaks.",
        "facts": "Describe the facts in a few words: the author reads them in the statement of reasons."}
    assert ReviewRemovalInput(ground="advertising", facts="It links to another shop.").problems() == {}


# --- Complaints (DSA Art. 20) ---------------------------------------------------------------------------------

def test_a_complaint_says_why_in_a_few_words_and_not_too_many() -> None:
    assert ComplaintInput("Unfair").problems() == {
        "message": "Tell us why the decision is wrong in at least 10 characters."}
    assert ComplaintInput("x" * 2_001).problems() == {
        "message": "Keep your complaint to 2,000 characters or fewer (it has 2,001)."}
    assert ComplaintInput("My review was about the product only.").problems() == {}


def test_a_complaint_is_upheld_or_reversed_nothing_else() -> None:
    assert ResolutionInput("maybe").problems() == {"outcome": "Choose whether the decision is upheld or reversed."}
    assert ResolutionInput("reversed", "The review was on topic.").problems() == {}


# --- Reviews ------------------------------------------------------------------------------------------------

def test_a_review_needs_a_rating_and_a_comment_of_reasonable_length() -> None:
    assert ReviewInput(rating=None, comment="x" * 2_001).problems() == {
        "rating": "Choose a rating from 1 to 5 stars.",
        "comment": "Keep your comment to 2,000 characters or fewer (it has 2,001)."}
    assert ReviewInput(rating=4, comment="").problems() == {}


# --- Contact messages (DSA Art. 12) ---------------------------------------------------------------------------

def test_a_contact_message_checks_each_field() -> None:
    assert ContactForm(name="", email="camille.example.com", topic="weather", order_reference="#12",
                       message="Hi").problems() == {
        "name": "Enter your name, so we know how to address you.",
        "email": "Enter an e-mail address like name@example.com.",
        "topic": "Choose what your message is about.",
        "order_reference": "An order reference has letters, digits and dashes only, like EN-7KQ2MX4P; leave it "
                           "empty if you have none.",
        "message": "Write your message in at least 10 characters."}
    assert ContactForm(name="Camille Martin", email="camille@example.com", topic="order",
                       order_reference="EN-7KQ2MX4P", message="Where is my parcel?").problems() == {}


# --- A seller's company details (DSA Art. 30) -----------------------------------------------------------------

COMPANY = {"legal_name": "Atelier Ouest SARL", "address": "2 quai du Port, 44000 Nantes", "country": "fr",
           "phone": "+33 2 40 00 00 00", "email": "contact@atelier-ouest.example", "trade_register_number": "732829320",
           "vat_number": "FR12345678901", "representative_name": "Anne Ouest", "id_document": "ID card 4455",
           "payment_account": "FR59 3000 4000 0177 7777 7777 777", "self_certified": "yes"}


def test_complete_company_details_have_no_problem_and_are_stored_tidied() -> None:
    details = read_company_form(COMPANY)
    assert details.problems() == {}
    assert details.stored()["country"] == "FR"
    assert details.stored()["payment_account"] == "FR5930004000017777777777777"


def test_company_details_with_a_wrong_iban_a_long_country_and_no_certification() -> None:
    details = read_company_form({**COMPANY, "country": "France", "payment_account": "FR59 3000 4000 0177 7777 7777 778",
                                 "self_certified": "", "phone": ""})
    assert details.problems() == {
        "country": "Keep it to 2 characters or fewer (it has 6).",
        "phone": "Fill this in: we check it before your offers go on sale.",
        "payment_account": "This is not a valid IBAN: check it against your bank statement.",
        "self_certified": "Certify that you offer only products that comply with EU law: we cannot list you "
                          "without it."}


def test_company_details_with_a_country_that_is_no_code_and_a_mistyped_email() -> None:
    details = CompanyDetails(fields={**read_company_form(COMPANY).fields, "country": "F1", "email": "contact"},
                             self_certified=True)
    assert details.problems() == {"country": "Use the two-letter country code, such as FR, DE or IE.",
                                  "email": "Enter an e-mail address like orders@your-company.example."}


# --- Claims ("Get help" on an order) -----------------------------------------------------------------------

def test_a_claim_says_what_the_problem_is_and_what_happened() -> None:
    assert ClaimInput(reason="boredom", message="   ").problems() == {
        "reason": "Choose what the problem is.", "message": "Tell the seller what happened."}
    assert ClaimInput(reason="defective", message="x" * 2_001).problems() == {
        "message": "Keep the message to 2,000 characters or fewer (it has 2,001)."}
    assert ClaimInput(reason="defective", message="The screen flickers.").problems() == {}
