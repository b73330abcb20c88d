"""Field checks shoppers and sellers meet through HTTP: e-mail addresses, phone and trade register numbers,
length limits that say the limit they enforce, and the contact form's hourly limit keeping what was typed."""
from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.contact.tables import ContactMessage
from storefront.moderation.tables import Complaint
from storefront.sellers.tables import Seller
from tests.integration.commerce import csrf_from, make_account, offer_in_stock, post_form, sign_in
from tests.integration.test_checkout import add, place, to_review
from tests.integration.test_referencing import contested_breach, exclusive_seller


def field_error(html: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]+)</p>', html)
    return unescape(match.group(1)) if match else None


def a_message(email: str, **changes: str) -> dict[str, str]:
    return {"name": "Inès Moreau", "email": email, "topic": "order", "order_reference": "",
            "message": "My parcel shows as delivered but nothing arrived. Could you look into it?", **changes}


@pytest.mark.parametrize("address", [
    "user@example..com", ".user@example.com", "user.@example.com", "us..er@example.com", "user@.example.com",
    "user@example.com.", "user@-example.com", "user@example-.com", "user@localhost", "user@example.c_m"])
async def test_the_contact_form_refuses_an_address_no_mail_can_reach(client: AsyncTestClient, address: str) -> None:
    response = await post_form(client, "/contact", "/contact", a_message(address))
    assert response.status_code == 400
    assert field_error(response.text, "email") == "Enter an e-mail address like name@example.com."


@pytest.mark.parametrize("address", ["first.last@mail.example.co.uk", "a+tag@ex-ample.org", "o'neil@example.ie"])
async def test_the_contact_form_accepts_ordinary_addresses(client: AsyncTestClient, address: str) -> None:
    response = await post_form(client, "/contact", "/contact", a_message(address), follow_redirects=False)
    assert response.status_code == 303


async def test_past_the_hourly_limit_the_form_comes_back_with_the_message_kept(client: AsyncTestClient) -> None:
    email = f"visitor-{uuid.uuid4().hex[:10]}@example.org"
    for _ in range(5):
        sent = await post_form(client, "/contact", "/contact", a_message(email), follow_redirects=False)
        assert sent.status_code == 303
    typed = "Second thought: the parcel was left with a neighbour, please ignore my earlier message."
    refused = await post_form(client, "/contact", "/contact", a_message(email, message=typed),
                              follow_redirects=False)
    assert refused.status_code == 429 and refused.headers["content-type"].startswith("text/html")
    assert f">{typed}</textarea>" in unescape(refused.text)
    assert 'value="Inès Moreau"' in unescape(refused.text)
    assert field_error(refused.text, "email") == (
        "This e-mail address has sent 5 messages in the last hour, the most we accept. Nothing was sent this "
        "time: your message is still below, send it again in an hour.")
    assert await ContactMessage.count().where(ContactMessage.email == email) == 5


COMPANY = {"legal_name": "Atelier Ouest SARL", "address": "2 quai du Port, 44000 Nantes", "country": "FR",
           "phone": "+33 2 40 00 00 00", "email": "contact@atelier-ouest.example",
           "trade_register_number": "RCS Nantes 732 829 320", "vat_number": "FR1", "representative_name": "Anne Ouest",
           "id_document": "ID card 4455", "payment_account": "FR76 3000 6000 0112 3456 7890 189",
           "self_certified": "yes"}


@pytest.fixture
async def applicant(client: AsyncTestClient) -> int:
    shop = await exclusive_seller(status="pending", trade_register_number="", self_certified=False)
    await sign_in(client, shop.account_id)
    return shop.seller_id


async def test_company_details_refuse_a_phone_that_is_not_a_number(client: AsyncTestClient, applicant: int) -> None:
    for phone in ("call me", "12 34", "+33 2 40 00 00 00 00 00 00 00"):
        refused = await post_form(client, "/seller/company", "/seller/company", {**COMPANY, "phone": phone})
        assert refused.status_code == 400
        assert field_error(refused.text, "f-phone") == (
            "Enter a phone number: 8 to 15 digits, with an optional + and spaces, dots, dashes or brackets.")
    saved = await post_form(client, "/seller/company", "/seller/company", {**COMPANY, "phone": "+33 (0)2 40-00.00.00"})
    assert saved.status_code == 200 and "Your details are saved" in saved.text


async def test_company_details_refuse_a_trade_register_number_that_is_not_one(client: AsyncTestClient,
                                                                              applicant: int) -> None:
    refused = await post_form(client, "/seller/company", "/seller/company",
                              {**COMPANY, "country": "DE", "trade_register_number": "x"})
    assert refused.status_code == 400
    assert field_error(refused.text, "f-trade_register_number") == (
        "Enter your trade register number as registered: at least 5 characters, 3 of them digits.")
    saved = await post_form(client, "/seller/company", "/seller/company",
                            {**COMPANY, "country": "DE", "trade_register_number": "HRB 12345"})
    assert saved.status_code == 200


async def test_a_french_seller_gives_a_siren_with_a_valid_check_digit(client: AsyncTestClient, applicant: int) -> None:
    for number in ("RCS Nantes 732 829 321", "RCS Nantes 12345", "x"):
        refused = await post_form(client, "/seller/company", "/seller/company",
                                  {**COMPANY, "trade_register_number": number})
        assert refused.status_code == 400
        assert field_error(refused.text, "f-trade_register_number") == (
            "Enter the 9-digit SIREN of your RCS registration, like RCS Nantes 732 829 320: this one is not valid.")
    saved = await post_form(client, "/seller/company", "/seller/company", COMPANY)
    assert saved.status_code == 200 and "Your details are saved" in saved.text
    seller = await Seller.select(Seller.trade_register_number).where(Seller.id == applicant).first()
    assert seller["trade_register_number"] == "RCS Nantes 732 829 320"


async def test_a_company_field_says_the_limit_it_enforces(client: AsyncTestClient, applicant: int) -> None:
    at_limit = await post_form(client, "/seller/company", "/seller/company", {**COMPANY, "legal_name": "A" * 200})
    assert at_limit.status_code == 200
    refused = await post_form(client, "/seller/company", "/seller/company", {**COMPANY, "legal_name": "A" * 201})
    assert field_error(refused.text, "f-legal_name") == "Keep it to 200 characters or fewer (it has 201)."


async def test_a_too_long_delivery_name_is_kept_and_called_too_long(client: AsyncTestClient) -> None:
    account = await make_account()
    await sign_in(client, account["id"])
    client.follow_redirects = False
    await add(client, await offer_in_stock())
    name = "Camille " + "M" * 492
    response = await post_form(client, "/checkout/address", "/checkout/address", {
        "name": name, "line1": "3 rue des Lilas", "postcode": "69003", "city": "Lyon", "country": "FR"})
    assert response.status_code == 400
    assert field_error(response.text, "f-name") == "Keep the name to 120 characters or fewer (it has 500)."
    assert f'value="{name}"' in response.text
    empty = await post_form(client, "/checkout/address", "/checkout/address", {
        "name": "", "line1": "3 rue des Lilas", "postcode": "69003", "city": "Lyon", "country": "FR"})
    assert field_error(empty.text, "f-name") == "Enter the name of the person who receives the parcel."


async def test_a_too_long_card_holder_is_kept_and_called_too_long_not_cut(client: AsyncTestClient) -> None:
    account = await make_account()
    await sign_in(client, account["id"])
    client.follow_redirects = False
    await add(client, await offer_in_stock())
    placed = await place(client, await to_review(client))
    page = (await client.get(placed.headers["location"])).text
    holder = "Camille " + "M" * 492
    refused = await client.post(placed.headers["location"], data={
        "_csrf": csrf_from(page), "holder": holder, "card_number": "4242 4242 4242 4242", "expiry": "11/31",
        "cvc": "321"})
    assert refused.status_code == 400
    assert field_error(refused.text, "f-holder") == "Keep the name to 80 characters or fewer (it has 500)."
    assert f'value="{holder}"' in refused.text


async def test_contact_limits_say_the_length_they_accept(client: AsyncTestClient) -> None:
    email = f"visitor-{uuid.uuid4().hex[:10]}@example.org"
    refused = await post_form(client, "/contact", "/contact", a_message(email, name="N" * 121, message="m" * 4_001))
    assert refused.status_code == 400
    assert field_error(refused.text, "name") == "Keep your name to 120 characters or fewer (it has 121)."
    assert field_error(refused.text, "message") == "Keep your message to 4,000 characters or fewer (it has 4,001)."
    at_limits = await post_form(client, "/contact", "/contact", a_message(email, name="N" * 120, message="m" * 4_000),
                                follow_redirects=False)
    assert at_limits.status_code == 303


async def test_a_too_long_note_to_a_complainant_is_refused_not_cut(client: AsyncTestClient) -> None:
    operator, complaint = await contested_breach(client, await exclusive_seller())

    await sign_in(client, operator["id"])
    page = f"/ops/complaints/{complaint['id']}"
    note = "n" * 2_001
    refused = await post_form(client, page, f"{page}/resolve", {"outcome": "upheld", "note": note})
    assert refused.status_code == 400
    assert "Keep the note to 2,000 characters or fewer (it has 2,001)." in refused.text
    assert f">{note}</textarea>" in refused.text
    assert (await Complaint.select(Complaint.status).where(Complaint.id == complaint["id"]).first()
            )["status"] == "open"
