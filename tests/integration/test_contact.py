"""The contact form through HTTP (DSA Art. 12): usable without an account, stored, acknowledged by e-mail,
errors shown next to the fields with the input kept, limited per e-mail address, and protected by CSRF."""
from __future__ import annotations

import re
import uuid
from html import unescape

from litestar.testing import AsyncTestClient

from storefront.contact import service as contact
from storefront.contact.tables import ContactMessage
from storefront.mail.tables import OutboxEmail
from tests.integration.commerce import csrf_from, make_account, post_form, sign_in


def new_address() -> str:
    return f"visitor-{uuid.uuid4().hex[:10]}@example.org"


def a_message(email: str, **changes: str) -> dict[str, str]:
    return {"name": "Inès Moreau", "email": email, "topic": "order", "order_reference": "EN-7KQ2MX4P",
            "message": "My parcel shows as delivered but nothing arrived. Could you look into it?", **changes}


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{name}-error">([^<]+)</p>', html)
    return unescape(match.group(1)) if match else None


async def test_the_form_is_open_to_anyone_without_creating_a_session(client: AsyncTestClient) -> None:
    response = await client.get("/contact")
    assert response.status_code == 200
    assert 'action="/contact" method="post"' in response.text
    assert csrf_from(response.text)
    for label in contact.TOPICS.values():
        assert f">{label}</option>" in response.text
    assert "set-cookie" not in response.headers


async def test_a_message_is_stored_acknowledged_and_confirmed(client: AsyncTestClient) -> None:
    email = new_address()
    response = await post_form(client, "/contact", "/contact", a_message(email.upper()), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/contact?sent=1"

    stored = await ContactMessage.select().where(ContactMessage.email == email).first()
    assert stored is not None
    assert (stored["name"], stored["topic"], stored["order_reference"], stored["status"]) == (
        "Inès Moreau", "order", "EN-7KQ2MX4P", "open")
    assert stored["message"].startswith("My parcel shows as delivered") and stored["account"] is None

    mails = await OutboxEmail.select().where(OutboxEmail.to_address == email)
    assert len(mails) == 1 and mails[0]["kind"] == "contact_received"
    assert f"C-{stored['id']}" in mails[0]["subject"] and "EN-7KQ2MX4P" in mails[0]["body"]
    # The acknowledgement never carries the text typed in: the form cannot relay messages to a stranger.
    assert "nothing arrived" not in mails[0]["body"]

    confirmation = await client.get("/contact?sent=1")
    assert "your message has been sent" in confirmation.text and 'action="/contact"' not in confirmation.text


async def test_errors_come_back_next_to_their_fields_with_the_input_kept(client: AsyncTestClient) -> None:
    email = new_address()
    response = await post_form(client, "/contact", "/contact", a_message(
        email, name="", topic="refund-me", order_reference="order #12", message="Too short"))
    assert response.status_code == 400
    html = response.text
    assert field_error(html, "name") == "Enter your name, so we know how to address you."
    assert field_error(html, "topic") == "Choose what your message is about."
    assert "letters, digits and dashes" in field_error(html, "order_reference")
    assert field_error(html, "message") == f"Write your message in at least {contact.MESSAGE_MIN} characters."
    assert field_error(html, "email") is None
    assert f'value="{email}"' in html and 'value="ORDER #12"' in html and ">Too short</textarea>" in html
    assert await ContactMessage.count().where(ContactMessage.email == email) == 0


async def test_an_unreadable_e_mail_address_and_a_too_long_message_are_refused(client: AsyncTestClient) -> None:
    response = await post_form(client, "/contact", "/contact", a_message(
        "not-an-address", message="x" * (contact.MESSAGE_MAX + 1)))
    assert response.status_code == 400
    assert field_error(response.text, "email") == "Enter an e-mail address like name@example.com."
    assert f"it has {contact.MESSAGE_MAX + 1:,}" in field_error(response.text, "message")


async def test_the_sixth_message_in_an_hour_from_one_address_gets_429(client: AsyncTestClient) -> None:
    email = new_address()
    for _ in range(contact.MESSAGES_PER_HOUR):
        sent = await post_form(client, "/contact", "/contact", a_message(email), follow_redirects=False)
        assert sent.status_code == 303
    refused = await post_form(client, "/contact", "/contact", a_message(email), follow_redirects=False)
    assert refused.status_code == 429
    assert "Nothing was sent this time" in refused.text and "<h1>" in refused.text
    assert await ContactMessage.count().where(ContactMessage.email == email) == contact.MESSAGES_PER_HOUR
    other = await post_form(client, "/contact", "/contact", a_message(new_address()), follow_redirects=False)
    assert other.status_code == 303


async def test_a_post_without_the_csrf_token_is_refused(client: AsyncTestClient) -> None:
    email = new_address()
    response = await client.post("/contact", data=a_message(email))
    assert response.status_code == 403
    forged = await client.post("/contact", data={**a_message(email), "_csrf": "1700000000.forged"})
    assert forged.status_code == 403
    assert await ContactMessage.count().where(ContactMessage.email == email) == 0


async def test_signed_in_people_find_their_details_filled_in_and_the_message_tied_to_them(
        client: AsyncTestClient) -> None:
    account = await make_account(name="Hugo Lefèvre")
    await sign_in(client, account["id"])
    form = (await client.get("/contact")).text
    assert 'value="Hugo Lefèvre"' in unescape(form) and f'value="{account["email"]}"' in form
    response = await client.post("/contact", data={
        "_csrf": csrf_from(form), "name": "Hugo Lefèvre", "email": account["email"], "topic": "personal_data",
        "order_reference": "", "message": "Please send me a copy of the personal data you keep about me."},
        follow_redirects=False)
    assert response.status_code == 303
    stored = await ContactMessage.select().where(ContactMessage.email == account["email"]).first()
    assert stored["account"] == account["id"] and stored["topic"] == "personal_data"
    client.cookies.clear()


async def test_the_authorities_page_gives_the_address_languages_and_sends_users_elsewhere(
        client: AsyncTestClient, settings) -> None:
    html = (await client.get("/contact/authorities")).text
    operator = settings.operator
    assert f'href="mailto:{operator.authorities_email}"' in html
    assert ", ".join(operator.authorities_languages) in html
    assert "product safety" in html.lower() and "market surveillance" in html
    assert 'href="/contact"' in html and "reserved for the authorities" in html
