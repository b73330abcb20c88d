"""Field checks shoppers and sellers meet through HTTP: e-mail addresses, phone and trade register numbers,
length limits that say the limit they enforce, and the contact form's hourly limit keeping what was typed."""
from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.contact.tables import ContactMessage
from tests.integration.commerce import post_form


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
