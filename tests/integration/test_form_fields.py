"""Field checks shoppers and sellers meet through HTTP: e-mail addresses, phone and trade register numbers,
length limits that say the limit they enforce, and the contact form's hourly limit keeping what was typed."""
from __future__ import annotations

import re
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

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
