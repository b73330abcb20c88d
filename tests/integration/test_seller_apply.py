"""Becoming a seller through HTTP: /seller/apply states the conditions from the configuration, checks each field,
answers the same for a taken address, and makes a pending seller whose account confirms its address, which the
operator then references and which signs in to its portal."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.service import backend_from_settings
from storefront.accounts.tables import Account
from storefront.app import create_app
from storefront.mail.tables import OutboxEmail
from storefront.sellers.services import iban_with_check_digits
from storefront.sellers.tables import Seller
from storefront.settings import SellerFees, Settings
from tests.integration.commerce import make_account, sign_in

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def application(**changes: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "account_name": "Léa Dubois", "account_email": f"lea-{tag}@example.com", "password": PASSWORD,
        "shop_name": f"Atelier Lilas {tag}", "legal_name": f"Atelier Lilas {tag} SAS",
        "address": "3 rue des Lilas, 44000 Nantes", "country": "FR", "phone": "+33 2 40 12 34 56",
        "email": f"contact@lilas-{tag}.example", "trade_register_number": "RCS Nantes 732 829 320",
        "vat_number": "FR12732829320", "representative_name": "Léa Dubois", "id_document": "passport 12AB34567",
        "payment_account": iban_with_check_digits("FR", "30004000031234567890143"), "self_certified": "yes",
        "accepted_conditions": "yes", **changes}


async def submit(client: AsyncTestClient, data: dict[str, str]):
    page = await client.get("/seller/apply")
    token = CSRF.search(page.text)
    assert token, "the form has a CSRF field"
    return await client.post("/seller/apply", data={"_csrf": token.group(1), **data}, follow_redirects=False)


async def mail_to(address: str, kind: str) -> list[dict]:
    return await OutboxEmail.select().where((OutboxEmail.to_address == address) & (OutboxEmail.kind == kind))


async def test_the_page_states_the_conditions_and_is_never_cached(client: AsyncTestClient) -> None:
    page = await client.get("/seller/apply")
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    text = unescape(page.text)
    assert "€50.00" in text and "10\u00a0%" in text  # the monthly fee and the commission
    assert "at most 3\u00a0%" in text  # the charter's defect rate
    assert 'href="/legal/seller-conditions"' in page.text


async def test_the_conditions_come_from_the_configuration(settings: Settings) -> None:
    changed = replace(settings, seller_fees=SellerFees(monthly_flat_cents=7_900, commission_basis_points=1_250))
    async with AsyncTestClient(app=create_app(changed, backend_from_settings(changed))) as client:
        text = unescape((await client.get("/seller/apply")).text)
    assert "€79.00" in text and "12.5\u00a0%" in text
    assert "€50.00" not in text


async def test_the_footer_and_the_sign_in_page_link_to_it(client: AsyncTestClient) -> None:
    assert 'href="/seller/apply"' in (await client.get("/")).text
    assert 'href="/seller/apply"' in (await client.get("/login")).text


PROBLEMS = [
    ("account_name", "", "Enter your name."),
    ("account_email", "lea.example.com", "Enter an e-mail address like name@example.com."),
    ("password", "short", "Choose a password of at least"),
    ("shop_name", "", "Give the name buyers will see on your offers."),
    ("legal_name", "", "Fill this in"),
    ("country", "F1", "Use the two-letter country code"),
    ("phone", "call us", "Enter a phone number"),
    ("email", "contact-at-lilas", "Enter an e-mail address like orders@your-company.example."),
    ("trade_register_number", "RCS Nantes 732 829 321", "Enter the 9-digit SIREN"),
    ("payment_account", "FR76 3000 4000 0312 3456 7890 144", "This is not a valid IBAN"),
    ("self_certified", "", "Certify that you offer only products that comply with EU law"),
    ("accepted_conditions", "", "Accept the seller conditions and the quality charter to apply."),
]


@pytest.mark.parametrize(("field", "value", "message"), PROBLEMS, ids=[p[0] for p in PROBLEMS])
async def test_each_field_is_checked_and_what_was_typed_is_kept(client: AsyncTestClient, field: str, value: str,
                                                               message: str) -> None:
    data = application(**{field: value})
    sellers_before = await Seller.count()
    answer = await submit(client, data)
    assert answer.status_code == 400
    text = unescape(answer.text)
    assert message in text
    assert f'id="f-{field}-error"' in answer.text
    assert f'value="{data["shop_name"]}"' in answer.text or field == "shop_name"
    assert PASSWORD not in answer.text  # never echoed
    assert await Seller.count() == sellers_before
    assert not await Account.exists().where(Account.email == data["account_email"])


async def test_an_application_makes_a_pending_seller_whose_account_confirms_then_signs_in(
        client: AsyncTestClient) -> None:
    data = application()
    answer = await submit(client, data)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/seller/apply/sent?to=")

    seller = await Seller.select().where(Seller.name == data["shop_name"]).first()
    assert seller["status"] == "pending"
    assert (seller["legal_name"], seller["address"], seller["phone"], seller["trade_register_number"]) == (
        data["legal_name"], "3 rue des Lilas, 44000 Nantes", "+33 2 40 12 34 56", "RCS Nantes 732 829 320")
    assert seller["self_certified"] is True
    account = await Account.select().where(Account.email == data["account_email"]).first()
    assert (account["role"], account["seller"], account["confirmed_at"]) == ("seller", seller["id"], None)

    # Nobody signs in before the address is confirmed.
    refused = await client.post("/login", data={"_csrf": CSRF.search((await client.get("/login")).text).group(1),
                                                "email": data["account_email"], "password": PASSWORD})
    assert refused.status_code == 400 and "Confirm your e-mail address first" in unescape(refused.text)

    (message,) = await mail_to(data["account_email"], "seller_application")
    link = re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", message["body"]).group(1)
    confirm_page = await client.get(link)
    assert 'name="next" value="/seller/"' in confirm_page.text
    confirmed = await client.post(link.split("?")[0], data={"_csrf": CSRF.search(confirm_page.text).group(1),
                                                            "next": "/seller/"}, follow_redirects=False)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/seller/"
    portal = await client.get("/seller/")
    assert portal.status_code == 200 and data["shop_name"] in unescape(portal.text)


async def test_the_operator_references_the_applicant_which_then_signs_in_to_sell(
        client: AsyncTestClient) -> None:
    data = application()
    assert (await submit(client, data)).status_code == 303
    seller = await Seller.select(Seller.id).where(Seller.name == data["shop_name"]).first()
    operator = await make_account("operator", name="Olga Operator")
    await sign_in(client, operator["id"])
    queue = await client.get("/ops/sellers?status=pending")
    assert data["shop_name"] in unescape(queue.text)
    assert f"{data['account_email']} (address not confirmed yet)" in (await client.get(
        f"/ops/sellers/{seller['id']}")).text
    await Account.update({Account.confirmed_at: Account.created_at}).where(Account.email == data["account_email"])
    page = await client.get(f"/ops/sellers/{seller['id']}")
    assert f"{data['account_email']} (address confirmed)" in page.text
    referenced = await client.post(f"/ops/sellers/{seller['id']}/reference",
                                   data={"_csrf": CSRF.search(page.text).group(1)}, follow_redirects=False)
    assert referenced.status_code == 303
    assert (await Seller.select(Seller.status).where(Seller.id == seller["id"]).first())["status"] == "referenced"

    client.cookies.clear()
    login = await client.get("/login")
    signed_in = await client.post("/login", data={"_csrf": CSRF.search(login.text).group(1),
                                                  "email": data["account_email"], "password": PASSWORD},
                                  follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/seller/"


async def test_a_taken_address_gets_the_same_answer_and_nothing_is_made(client: AsyncTestClient) -> None:
    owner = await make_account("shopper", name="Camille Owner")
    data = application(account_email=owner["email"])
    answer = await submit(client, data)
    fresh = await submit(client, application())
    assert answer.status_code == fresh.status_code == 303
    assert answer.headers["location"].split("?")[0] == fresh.headers["location"].split("?")[0] == "/seller/apply/sent"
    assert not await Seller.exists().where(Seller.name == data["shop_name"])
    account = await Account.select().where(Account.email == owner["email"]).first()
    assert (account["role"], account["seller"]) == ("shopper", None)
    (note,) = await mail_to(owner["email"], "seller_application_attempt")
    assert "already has an account" in note["body"]
    assert await mail_to(owner["email"], "seller_application") == []


async def test_a_seller_already_signed_in_goes_to_its_portal(client: AsyncTestClient) -> None:
    seller = await Seller.select(Seller.id).where(Seller.status == "referenced").first()
    account = await make_account("seller", seller_id=seller["id"])
    await sign_in(client, account["id"])
    answer = await client.get("/seller/apply", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/seller/"


async def test_an_application_takes_over_an_unconfirmed_sign_up_of_the_address(client: AsyncTestClient) -> None:
    """Someone signed up with the address and never confirmed: only the mailbox's owner can, so the latest
    application gets the account, as a later sign-up would."""
    data = application()
    login = await client.get("/signup")
    await client.post("/signup", data={"_csrf": CSRF.search(login.text).group(1), "email": data["account_email"],
                                       "name": "Somebody Else", "password": "another long password"})
    squatted = await Account.select().where(Account.email == data["account_email"]).first()
    assert (squatted["role"], squatted["confirmed_at"]) == ("shopper", None)

    assert (await submit(client, data)).status_code == 303
    account = await Account.select().where(Account.email == data["account_email"]).first()
    seller = await Seller.select().where(Seller.name == data["shop_name"]).first()
    assert (account["id"], account["role"], account["seller"], account["name"]) == (
        squatted["id"], "seller", seller["id"], "Léa Dubois")
    assert len(await mail_to(data["account_email"], "seller_application")) == 1


async def test_applying_again_before_confirming_replaces_the_first_application(client: AsyncTestClient) -> None:
    first = application()
    assert (await submit(client, first)).status_code == 303
    second = application(account_email=first["account_email"], shop_name=first["shop_name"] + " Lyon",
                         address="8 quai Rambaud, 69002 Lyon")
    assert (await submit(client, second)).status_code == 303
    account = await Account.select().where(Account.email == first["account_email"]).first()
    seller = await Seller.select().where(Seller.id == account["seller"]).first()
    assert (seller["name"], seller["address"], seller["status"]) == (second["shop_name"], "8 quai Rambaud, 69002 Lyon",
                                                                     "pending")
    assert not await Seller.exists().where(Seller.name == first["shop_name"])
    assert len(await mail_to(first["account_email"], "seller_application")) == 2
