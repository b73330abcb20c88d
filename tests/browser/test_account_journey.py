"""A person creates an account, confirms it from the e-mail, forgets the password and chooses a new one, in
Chromium. Both e-mailed pages keep their token out of other sites' Referer headers, and their forms must
still pass the CSRF origin check (a "no-referrer" page makes Chromium send `Origin: null`, refused)."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest

from tests.browser.csp import csp_violations

pytestmark = pytest.mark.browser


def follow_mailed_link(page, live_server: str, email: str, subject: str, link_text: str) -> None:
    """Opens the newest message to `email` in the demo mailbox and goes to the link it holds, on this server."""
    message = page.get_by_role("row").filter(has_text=email).get_by_role("link", name=re.compile(subject))
    for _ in range(40):  # the e-mail is queued just after the answer: look again until it is there
        page.goto(f"{live_server}/dev/mailbox")
        if message.count():
            break
        page.wait_for_timeout(250)
    message.first.click()
    link = urlsplit(page.get_by_role("link", name=re.compile(link_text)).first.get_attribute("href"))
    page.goto(f"{live_server}{link.path}" + (f"?{link.query}" if link.query else ""))


def test_sign_up_confirm_forget_and_choose_a_new_password(desktop, live_server: str) -> None:
    page = desktop
    email = f"account-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{live_server}/signup")
    page.get_by_label("Your name").fill("Robin Account")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("the first long password")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/signup/sent"))

    follow_mailed_link(page, live_server, email, "^Confirm your", r"signup.confirm")
    page.get_by_role("button", name="Confirm and sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server}/password/forgot")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name=re.compile("link", re.I)).click()
    follow_mailed_link(page, live_server, email, "^Reset your", r"password.reset")
    page.get_by_label("New password").fill("the second long password")
    page.get_by_role("button", name=re.compile("password", re.I)).click()
    page.wait_for_url(re.compile(r"/login\?reset=done"))

    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("the second long password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("button", name="Sign out").count() == 1
    assert csp_violations(page) == []
