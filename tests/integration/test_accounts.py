"""Accounts through HTTP: sign up, sign in and out, password reset, CSRF, and the development mailbox."""
from __future__ import annotations

import re
import time
import uuid
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from storefront.accounts import service, sessions
from storefront.accounts.tables import Account
from storefront.app import create_app
from storefront.cart import service as cart_service
from storefront.demo.accounts import OPERATOR, SELLER_PASSWORD, SHOPPER
from storefront.mail.tables import OutboxEmail
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from storefront.web.viewer import SESSION_COOKIE
from tests.integration.commerce import make_account

PASSWORD = "correct horse battery"
SIGNED_IN = "Sign out"


def new_email() -> str:
    return f"shopper-{uuid.uuid4().hex[:10]}@example.com"


def use_session(client: AsyncTestClient, token: str) -> None:
    """The browser holds this session cookie, as if the shop had set it."""
    client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def post_form(client: AsyncTestClient, form_path: str, data: dict[str, str], *, action: str | None = None,
                    headers: dict[str, str] | None = None):
    """GET the form (for its CSRF token), then POST it, without following the redirect."""
    page = await client.get(form_path)
    return await client.post(action or form_path.split("?")[0], data={"_csrf": csrf_of(page.text), **data},
                             headers=headers, follow_redirects=False)


async def ask_to_sign_up(client: AsyncTestClient, email: str, password: str = PASSWORD, name: str = "Ann Lee",
                         next_path: str | None = None):
    data = {"email": email, "name": name, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return await post_form(client, "/signup", data)


def confirmation_link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", body)
    assert match, "the e-mail has no confirmation link"
    return match.group(1)


async def sign_up(client: AsyncTestClient, email: str, password: str = PASSWORD, name: str = "Ann Lee"):
    """Sign up and follow the link the e-mail brings, as a new shopper does: ends signed in."""
    answer = await ask_to_sign_up(client, email, password, name)
    assert answer.status_code == 303, answer.text
    (message,) = await mail_to(service.normalise_email(email), "sign_up_confirmation")
    return await post_form(client, confirmation_link_in(message["body"]), {})


async def log_in(client: AsyncTestClient, email: str, password: str = PASSWORD, next_path: str | None = None):
    data = {"email": email, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return await post_form(client, "/login", data)


async def log_out(client: AsyncTestClient):
    return await post_form(client, "/", {}, action="/logout")


async def account_id_of(email: str) -> int:
    return (await Account.select(Account.id).where(Account.email == email).first())["id"]


async def mail_to(email: str, kind: str) -> list[dict]:
    return await OutboxEmail.select().where((OutboxEmail.to_address == email) & (OutboxEmail.kind == kind))


def reset_link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", body)
    assert match, "the e-mail has no reset link"
    return match.group(1)


async def buyable_offer_ids(count: int) -> list[int]:
    """Offers that can go into a cart twice: active, referenced seller, a few in stock."""
    rows = await Offer.select(Offer.id).where(
        (Offer.stock > 3) & (Offer.status == "active") & (Offer.seller.status == "referenced")
    ).order_by(Offer.id).limit(count)
    assert len(rows) == count
    return [row["id"] for row in rows]


# Signing up


async def test_signing_up_sends_a_link_that_confirms_the_address_and_signs_in(client: AsyncTestClient) -> None:
    email = new_email()
    answer = await ask_to_sign_up(client, email)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/signup/sent?to={email.replace('@', '%40')}"
    sent = await client.get(answer.headers["location"])
    assert f"We sent a message to <strong>{email}</strong>" in sent.text
    assert SIGNED_IN not in sent.text
    assert (await log_in(client, email)).status_code == 400  # not before the address is confirmed

    (message,) = await mail_to(email, "sign_up_confirmation")
    link = confirmation_link_in(message["body"])
    page = await client.get(link)
    assert page.status_code == 200 and "Confirm and sign in" in page.text
    confirmed = await post_form(client, link, {})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/"
    assert SIGNED_IN in (await client.get("/")).text
    await log_out(client)
    assert (await client.get(link)).status_code == 400  # used once
    assert (await log_in(client, email)).status_code == 303


async def test_an_unconfirmed_account_is_told_to_confirm_only_with_its_password(client: AsyncTestClient) -> None:
    email = new_email()
    await ask_to_sign_up(client, email)
    right = await log_in(client, email)
    wrong = await log_in(client, email, password="not the right one")
    assert right.status_code == wrong.status_code == 400
    assert "Confirm your e-mail address first" in right.text
    assert "Confirm your e-mail address first" not in wrong.text
    assert "E-mail or password is incorrect." in wrong.text


async def test_the_confirmation_carries_the_cart_and_the_page_asked_for(client: AsyncTestClient) -> None:
    email = new_email()
    (offer,) = await buyable_offer_ids(1)
    anonymous_cart = await cart_service.create_cart()
    await cart_service.add(anonymous_cart, offer, 2)
    token, _ = await sessions.create(cart_id=anonymous_cart)
    use_session(client, token)

    await ask_to_sign_up(client, email, next_path="/checkout")
    (message,) = await mail_to(email, "sign_up_confirmation")
    link = confirmation_link_in(message["body"])
    assert link.endswith("?next=/checkout")
    confirmed = await post_form(client, link, {"next": "/checkout"})

    assert confirmed.headers["location"] == "/checkout"
    assert await cart_service.cart_of_account(await account_id_of(email)) == anonymous_cart
    assert '<span id="cart-badge" class="badge">2</span>' in (await client.get("/")).text


async def test_the_password_is_stored_as_an_argon2id_hash(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    row = await Account.select(Account.password_hash).where(Account.email == email).first()
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_email_is_trimmed_and_lowercased_so_any_spelling_signs_in(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, f"  {email.upper()} ")
    await log_out(client)
    response = await log_in(client, email.capitalize())
    assert response.status_code == 303
    assert await Account.exists().where(Account.email == email)


async def test_a_taken_email_gets_the_same_answer_and_its_owner_an_e_mail(client: AsyncTestClient) -> None:
    taken, free = new_email(), new_email()
    await sign_up(client, taken)
    await log_out(client)

    for_taken = await ask_to_sign_up(client, taken, password="another secret phrase", name="Second Person")
    for_free = await ask_to_sign_up(client, free, password="another secret phrase", name="Second Person")

    assert for_taken.status_code == for_free.status_code == 303
    taken_page = (await client.get(for_taken.headers["location"])).text
    free_page = (await client.get(for_free.headers["location"])).text
    assert taken_page.replace(taken, "ADDRESS") == free_page.replace(free, "ADDRESS")
    (notice,) = await mail_to(taken, "sign_up_attempt")
    assert "already has one" in notice["body"] and "/password/forgot" in notice["body"]
    assert await mail_to(taken, "sign_up_confirmation") != []  # the first sign-up's only
    assert len(await mail_to(taken, "sign_up_confirmation")) == 1
    assert await Account.count().where(Account.email == taken) == 1
    assert (await log_in(client, taken, password="another secret phrase")).status_code == 400
    assert (await log_in(client, taken)).status_code == 303  # the owner's password is untouched


async def test_a_sign_up_with_someone_elses_address_never_reaches_their_account(client: AsyncTestClient) -> None:
    email = new_email()
    await ask_to_sign_up(client, email, password="the squatter's secret")
    (squatter_link,) = [confirmation_link_in(m["body"]) for m in await mail_to(email, "sign_up_confirmation")]
    # The owner signs up in turn: the account takes the owner's password, and the squatter's link dies.
    await ask_to_sign_up(client, email, name="The Owner")
    assert (await client.get(squatter_link)).status_code == 400
    assert (await log_in(client, email, password="the squatter's secret")).status_code == 400
    owner_link = confirmation_link_in((await mail_to(email, "sign_up_confirmation"))[-1]["body"])
    assert (await post_form(client, owner_link, {})).status_code == 303
    await log_out(client)
    assert (await log_in(client, email)).status_code == 303


async def test_a_short_password_is_refused_and_no_account_is_made(client: AsyncTestClient) -> None:
    email = new_email()
    response = await ask_to_sign_up(client, email, password="short")
    assert response.status_code == 400
    assert "at least 10 characters" in response.text
    assert re.search(r'id="password"[^>]*aria-invalid="true"', response.text)
    assert not await Account.exists().where(Account.email == email)


# Signing in and out


async def test_a_wrong_password_gets_a_generic_message_and_400(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    wrong_password = await log_in(client, email, password="not the right one")
    unknown_email = await log_in(client, new_email())
    assert wrong_password.status_code == unknown_email.status_code == 400
    assert "E-mail or password is incorrect." in wrong_password.text
    assert "E-mail or password is incorrect." in unknown_email.text
    assert f'value="{email}"' in wrong_password.text
    assert "not the right one" not in wrong_password.text
    assert SESSION_COOKIE not in wrong_password.headers.get("set-cookie", "")


async def test_signing_in_replaces_the_anonymous_session_with_a_new_httponly_one(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    anonymous_token, _ = await sessions.create()
    use_session(client, anonymous_token)
    response = await log_in(client, email)
    assert response.status_code == 303
    set_cookie = response.headers["set-cookie"]
    assert "httponly" in set_cookie.lower()
    new_token = response.cookies[SESSION_COOKIE]
    assert new_token and new_token != anonymous_token
    assert await sessions.load(anonymous_token) is None
    assert (await sessions.load(new_token)).account_id == await account_id_of(email)


async def test_next_takes_you_back_to_a_page_of_this_shop(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    response = await log_in(client, email, next_path="/search?q=iphone")
    assert response.headers["location"] == "/search?q=iphone"


@pytest.mark.parametrize(("who", "landing"), [(SHOPPER, "/"), (OPERATOR, "/ops/")])
async def test_each_role_lands_on_its_own_start_page(client: AsyncTestClient, who: tuple, landing: str) -> None:
    response = await log_in(client, who[0], password=who[2])
    assert response.headers["location"] == landing


async def test_a_seller_lands_on_its_portal_and_the_operator_header_links_the_console(
    client: AsyncTestClient,
) -> None:
    seller = await Account.select(Account.email).where(Account.role == "seller").order_by(Account.id).first()
    assert (await log_in(client, seller["email"], password=SELLER_PASSWORD)).headers["location"] == "/seller/"
    await log_out(client)
    await log_in(client, OPERATOR[0], password=OPERATOR[2])
    assert '<a href="/ops/">Operator console</a>' in (await client.get("/")).text


async def test_next_never_sends_you_to_another_site(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    for attempt in ("//evil.example", "https://evil.example", "/\\evil.example", "evil.example"):
        await log_out(client)
        response = await log_in(client, email, next_path=attempt)
        assert response.status_code == 303, attempt
        assert response.headers["location"] == "/", attempt


async def test_signing_out_ends_the_session_for_good(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    old_token = client.cookies[SESSION_COOKIE]
    response = await log_out(client)
    assert response.status_code == 303
    assert await sessions.load(old_token) is None
    use_session(client, old_token)
    home = await client.get("/")
    assert SIGNED_IN not in home.text and 'href="/login"' in home.text


async def test_ten_failed_attempts_make_this_client_wait_for_this_account(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    for _ in range(10):
        assert (await log_in(client, email, password="guess guess guess")).status_code == 400
    response = await log_in(client, email)  # even the right password waits, from this client
    assert response.status_code == 429
    assert "Too many failed attempts from your connection. Please wait" in response.text


# The cart follows the shopper


async def test_the_anonymous_cart_joins_the_accounts_cart_at_sign_in(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    account_id = await account_id_of(email)
    first, second = await buyable_offer_ids(2)
    account_cart = await cart_service.create_cart(account_id)
    await cart_service.add(account_cart, first)
    anonymous_cart = await cart_service.create_cart()
    await cart_service.add(anonymous_cart, first)
    await cart_service.add(anonymous_cart, second)
    token, _ = await sessions.create(cart_id=anonymous_cart)
    use_session(client, token)

    await log_in(client, email)

    assert await cart_service.cart_of_account(account_id) == account_cart
    assert await cart_service.item_count(account_cart) == 3
    assert not await cart_service.exists(anonymous_cart)
    assert '<span id="cart-badge" class="badge">3</span>' in (await client.get("/")).text


async def test_an_anonymous_cart_becomes_the_accounts_when_it_has_none(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    (offer,) = await buyable_offer_ids(1)
    anonymous_cart = await cart_service.create_cart()
    await cart_service.add(anonymous_cart, offer)
    token, _ = await sessions.create(cart_id=anonymous_cart)
    use_session(client, token)

    await log_in(client, email)

    assert await cart_service.cart_of_account(await account_id_of(email)) == anonymous_cart
    assert (await sessions.load(client.cookies[SESSION_COOKIE])).cart_id == anonymous_cart


# Password reset


async def test_forgot_password_for_an_unknown_email_says_the_same_and_sends_nothing(client: AsyncTestClient) -> None:
    known, unknown = new_email(), new_email()
    await sign_up(client, known)
    await log_out(client)
    known_answer = await post_form(client, "/password/forgot", {"email": known})
    unknown_answer = await post_form(client, "/password/forgot", {"email": unknown})
    assert known_answer.status_code == unknown_answer.status_code == 303
    assert known_answer.headers["location"] == unknown_answer.headers["location"]
    page = await client.get(unknown_answer.headers["location"])
    assert "If an account exists for that e-mail address" in page.text
    assert await mail_to(unknown, "password_reset") == []


async def test_a_fourth_reset_request_in_an_hour_answers_the_same_but_sends_nothing(client: AsyncTestClient) -> None:
    email = (await make_account())["email"]

    answers = [await post_form(client, "/password/forgot", {"email": email}) for _ in range(4)]

    assert [a.status_code for a in answers] == [303] * 4
    assert answers[3].headers["location"] == answers[0].headers["location"]
    assert len(await mail_to(email, "password_reset")) == 3


async def test_the_reset_link_sets_a_new_password_once(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    await post_form(client, "/password/forgot", {"email": email})
    messages = await mail_to(email, "password_reset")
    assert len(messages) == 1
    link = reset_link_in(messages[0]["body"])

    response = await post_form(client, link, {"password": "a brand new passphrase"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?reset=done"
    assert (await log_in(client, email, password="a brand new passphrase")).status_code == 303
    await log_out(client)
    assert (await log_in(client, email)).status_code == 400  # the old password is gone

    used = await client.get(link)
    assert used.status_code == 400
    assert "expired or was already used" in used.text
    token = csrf_of((await client.get("/password/forgot")).text)  # the dead link's page has no form to take it from
    again = await client.post(link, data={"_csrf": token, "password": "yet another passphrase"},
                              follow_redirects=False)
    assert again.status_code == 400
    assert (await log_in(client, email, password="yet another passphrase")).status_code == 400


async def test_a_reset_link_dies_after_an_hour(client: AsyncTestClient, settings: Settings) -> None:
    email = new_email()
    await sign_up(client, email)
    account = await service.account_by_email(email)
    token = service.reset_token(account, secret=settings.secret_key, now=time.time() - 3601)
    response = await client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert "expired or was already used" in response.text


async def test_a_forged_reset_link_is_refused(client: AsyncTestClient, settings: Settings) -> None:
    email = new_email()
    await sign_up(client, email)
    account = await service.account_by_email(email)
    account_id, expires, _ = service.reset_token(account, secret=settings.secret_key).split(".")
    response = await client.get(f"/password/reset/{account_id}.{int(expires) + 86_400}.{'0' * 64}")
    assert response.status_code == 400


async def test_a_reset_ends_every_other_session(client: AsyncTestClient, settings: Settings) -> None:
    email = new_email()
    await sign_up(client, email)
    phone_token = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    await log_in(client, email)
    laptop_token = client.cookies[SESSION_COOKIE]
    client.cookies.clear()

    token = service.reset_token(await service.account_by_email(email), secret=settings.secret_key)
    await post_form(client, f"/password/reset/{token}", {"password": "a brand new passphrase"})

    assert await sessions.load(phone_token) is None
    assert await sessions.load(laptop_token) is None
    use_session(client, laptop_token)
    assert SIGNED_IN not in (await client.get("/")).text


async def test_a_short_new_password_is_refused_and_the_link_still_works(client: AsyncTestClient,
                                                                        settings: Settings) -> None:
    email = new_email()
    await sign_up(client, email)
    token = service.reset_token(await service.account_by_email(email), secret=settings.secret_key)
    response = await post_form(client, f"/password/reset/{token}", {"password": "short"})
    assert response.status_code == 400
    assert re.search(r'id="password"[^>]*aria-invalid="true"', response.text)
    assert (await client.get(f"/password/reset/{token}")).status_code == 200


# CSRF


async def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(client: AsyncTestClient) -> None:
    email = new_email()
    response = await client.post("/signup", data={"email": email, "name": "Ann", "password": PASSWORD},
                                 follow_redirects=False)
    assert response.status_code == 403
    assert not await Account.exists().where(Account.email == email)


async def test_signing_out_without_a_csrf_token_keeps_you_signed_in(client: AsyncTestClient) -> None:
    await sign_up(client, new_email())
    response = await client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert await sessions.load(client.cookies[SESSION_COOKIE]) is not None


async def test_a_cross_site_origin_is_refused(client: AsyncTestClient) -> None:
    email = new_email()
    response = await post_form(client, "/signup", {"email": email, "name": "Ann", "password": PASSWORD},
                               headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert not await Account.exists().where(Account.email == email)


# The development mailbox


async def test_the_mailbox_lists_queued_mail_newest_first(client: AsyncTestClient) -> None:
    email = new_email()
    await sign_up(client, email)
    await log_out(client)
    await post_form(client, "/password/forgot", {"email": email})
    listing = await client.get("/dev/mailbox")
    assert listing.status_code == 200
    # The app's jobs run as it starts and may queue review invitations meanwhile: this person's rows only.
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", listing.text.split("<tbody>")[1], re.S) if email in row]
    assert "Reset your" in rows[0] and "Not sent" in rows[0]
    assert "Confirm your" in rows[1]
    (message,) = await mail_to(email, "password_reset")
    shown = await client.get(f"/dev/mailbox/{message['id']}")
    assert shown.status_code == 200
    link = reset_link_in(message["body"])
    assert f'<a href="http://127.0.0.1:8000{link}"' in shown.text  # clickable


async def test_the_mailbox_escapes_what_it_shows(client: AsyncTestClient) -> None:
    from storefront.mail.outbox import queue

    await queue(to="x@example.com", subject="<b>bold</b>", body="<script>alert(1)</script>", kind="test")
    (message,) = await OutboxEmail.select(OutboxEmail.id).where(OutboxEmail.kind == "test").order_by(
        OutboxEmail.id, ascending=False).limit(1)
    shown = await client.get(f"/dev/mailbox/{message['id']}")
    assert "<script>alert(1)</script>" not in shown.text and "&lt;script&gt;" in shown.text
    assert "<b>bold</b>" not in shown.text


async def test_the_mailbox_does_not_exist_when_smtp_is_configured(settings: Settings, backend) -> None:
    app = create_app(replace(settings, smtp_host="smtp.example"), backend)
    async with AsyncTestClient(app=app) as smtp_client:
        assert (await smtp_client.get("/dev/mailbox")).status_code == 404
        assert (await smtp_client.get("/dev/mailbox/1")).status_code == 404


async def test_the_mailbox_does_not_exist_through_a_proxy(client: AsyncTestClient) -> None:
    response = await client.get("/dev/mailbox", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 404
