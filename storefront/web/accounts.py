"""Sign up, sign in, sign out and password reset: forms that re-render with their errors, then redirect.

Every POST ends in a 303 redirect when it succeeds. A form with problems comes back with status 400,
what the person typed (never a password) and each message next to its field. Signing in or up always
starts a new session (an old session id never becomes a signed-in one) and carries the anonymous cart.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from storefront.accounts import service, sessions
from storefront.accounts.passwords import MIN_PASSWORD_LENGTH
from storefront.errors import Refused
from storefront.settings import Settings
from storefront.web.guards import MAX_NEXT_LENGTH
from storefront.web.viewer import expired_session_cookie, session_cookie, viewer_of

ANONYMOUS_FORM = {"csrf": "anonymous"}  # reachable before any session exists
WRONG_LOGIN = "E-mail or password is incorrect."


class LoginThrottle:
    """Failed sign-ins per e-mail address in a sliding window, kept in this process's memory.

    Per process: with several workers each one counts on its own, and a restart forgets everything. It
    slows a password guesser down; it is not a lockout ledger. It also lets anyone delay one address's
    sign-in for the window, which is the usual price of throttling by account.
    """

    def __init__(self, max_failures: int = 10, window_seconds: float = 15 * 60, max_tracked: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.max_tracked = max_tracked
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, email: str, now: float) -> deque[float]:
        failures = self._failures.get(email, deque())
        while failures and now - failures[0] >= self.window_seconds:
            failures.popleft()
        return failures

    def wait_seconds(self, email: str, now: float | None = None) -> int:
        """0 if this address may try now, else how long until its oldest counted failure falls out."""
        now = now if now is not None else time.monotonic()
        failures = self._recent(email, now)
        if len(failures) < self.max_failures:
            return 0
        return max(1, int(self.window_seconds - (now - failures[0])) + 1)

    def record_failure(self, email: str, now: float | None = None) -> None:
        now = now if now is not None else time.monotonic()
        if len(self._failures) >= self.max_tracked:
            self._failures = {e: f for e, f in self._failures.items() if self._recent(e, now)}
        failures = self._recent(email, now)
        failures.append(now)
        self._failures[email] = failures

    def forget(self, email: str) -> None:
        self._failures.pop(email, None)


login_throttle = LoginThrottle()
# Reset e-mails asked for per address: the same sliding window, counting requests instead of failures, so
# nobody can flood an inbox. Same per-process limits as above.
reset_email_throttle = LoginThrottle(max_failures=3, window_seconds=60 * 60)


# Where each role starts when it signs in without asking for a page: its own work, not the shop window.
LANDING = {"seller": "/seller/", "operator": "/ops/"}


def landing_for(role: str, next_path: str) -> str:
    """The page asked for, or else the role's own starting page."""
    return next_path if next_path != "/" else LANDING.get(role, "/")


def safe_next(candidate: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another host."""
    if (not candidate or not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate
            or any(ord(c) < 33 or ord(c) == 127 for c in candidate) or len(candidate) > MAX_NEXT_LENGTH):
        return "/"
    return candidate


def _form_page(template: str, *, status_code: int = 200, values: dict[str, str] | None = None,
               errors: list[Refused] | None = None, form_error: str | None = None,
               **context: Any) -> Template:
    return Template(template_name=template, status_code=status_code, context={
        "values": values or {}, "errors": {e.field: e.message for e in errors or []},
        "first_error": errors[0].field if errors else None, "form_error": form_error,
        "min_password_length": MIN_PASSWORD_LENGTH, **context,
    })


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _start_session(request: Request, account_id: int, settings: Settings, next_path: str) -> Redirect:
    """A brand-new session for the account, holding the anonymous cart; the old session is gone."""
    old = viewer_of(request).session
    anonymous_cart = old.cart_id if old and old.account_id is None else None
    cart_id = await service.cart_after_sign_in(anonymous_cart, account_id)
    if old:
        await sessions.destroy(old)
    token, _ = await sessions.create(account_id=account_id, cart_id=cart_id)
    return Redirect(next_path, status_code=303, cookies=[session_cookie(token, settings)])


# Sign up


@get("/signup", name="signup")
async def signup_form(request: Request, next_path: Annotated[str | None, QueryParameter(name="next")] = None
                      ) -> Template | Redirect:
    if viewer_of(request).is_signed_in:
        return Redirect(safe_next(next_path), status_code=303)
    return _form_page("pages/accounts/signup.html", next_path=safe_next(next_path))


@post("/signup", name="signup_submit", opt=ANONYMOUS_FORM)
async def signup_submit(request: Request, settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    email, name, password = _field(form, "email"), _field(form, "name"), _field(form, "password")
    next_path = safe_next(_field(form, "next"))
    problems = service.sign_up_problems(email, name, password)
    if not problems:
        try:
            account_id = await service.sign_up(email, name, password)
        except Refused as problem:
            problems = [problem]
    if problems:
        return _form_page("pages/accounts/signup.html", status_code=400, errors=problems, next_path=next_path,
                          values={"email": email.strip(), "name": name.strip()})
    await service.send_welcome(settings, to=service.normalise_email(email), name=name.strip())
    return await _start_session(request, account_id, settings, next_path)


# Sign in and out


@get("/login", name="login")
async def login_form(request: Request, next_path: Annotated[str | None, QueryParameter(name="next")] = None,
                     reset: FromQuery[str | None] = None) -> Template | Redirect:
    if viewer_of(request).is_signed_in:
        return Redirect(safe_next(next_path), status_code=303)
    target = safe_next(next_path)
    notice = None
    if reset == "done":
        notice = "Your password has been changed. Sign in with the new one."
    elif target.startswith("/checkout"):
        # A shopper sent here from checkout fears for the cart: it waits, and joins the account they sign in to.
        notice = "Sign in or create an account to check out. Your cart is kept and comes with you."
    return _form_page("pages/accounts/login.html", next_path=target, notice=notice)


@post("/login", name="login_submit", opt=ANONYMOUS_FORM)
async def login_submit(request: Request, settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    email, password = service.normalise_email(_field(form, "email")), _field(form, "password")
    next_path = safe_next(_field(form, "next"))

    def again(status_code: int, *, errors: list[Refused] | None = None, form_error: str | None = None):
        return _form_page("pages/accounts/login.html", status_code=status_code, values={"email": email},
                          errors=errors, form_error=form_error, next_path=next_path, notice=None)

    missing = [Refused(field, message) for field, message, value in (
        ("email", "Enter your e-mail address.", email), ("password", "Enter your password.", password)) if not value]
    if missing:
        return again(400, errors=missing)
    if wait := login_throttle.wait_seconds(email):
        minutes = -(-wait // 60)
        return again(429, form_error=f"Too many failed attempts for this e-mail address. Please wait {minutes} "
                                     f"minute{'s' if minutes > 1 else ''} and try again, or reset your password.")
    account = await service.authenticate(email, password)
    if account is None:
        login_throttle.record_failure(email)
        return again(400, form_error=WRONG_LOGIN)
    login_throttle.forget(email)
    return await _start_session(request, account["id"], settings, landing_for(account["role"], next_path))


@post("/logout", name="logout")
async def logout(request: Request, settings: NamedDependency[Settings]) -> Redirect:
    session = viewer_of(request).session
    if session:
        await sessions.destroy(session)
    return Redirect("/", status_code=303, cookies=[expired_session_cookie(settings)])


# Password reset


@get("/password/forgot", name="password_forgot")
async def forgot_form(sent: FromQuery[str | None] = None) -> Template:
    return _form_page("pages/accounts/forgot.html", sent=sent == "1")


@post("/password/forgot", name="password_forgot_submit", opt=ANONYMOUS_FORM)
async def forgot_submit(request: Request, settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    email = service.normalise_email(_field(form, "email"))
    if not email or len(email) > service.MAX_EMAIL_LENGTH:
        return _form_page("pages/accounts/forgot.html", status_code=400, sent=False, values={"email": email[:254]},
                          errors=[Refused("email", "Enter the e-mail address of your account.")])
    # Beyond 3 requests an hour for one address, nothing more is sent, but the answer stays the same.
    if not reset_email_throttle.wait_seconds(email):
        reset_email_throttle.record_failure(email)
        account = await service.account_by_email(email)
        if account is not None:
            await service.send_password_reset(settings, account)
    # The same answer either way: this page must not tell who has an account, nor who asked too often.
    return Redirect("/password/forgot", status_code=303, query_params={"sent": "1"})


def _reset_page(token: str, *, status_code: int = 200, account: dict[str, Any] | None,
                errors: list[Refused] | None = None) -> Template:
    if account is None:
        status_code = 400
    return _form_page("pages/accounts/reset.html", status_code=status_code, errors=errors, token=token,
                      link_valid=account is not None, values={"email": account["email"] if account else ""})


@get("/password/reset/{token:str}", name="password_reset")
async def reset_form(token: FromPath[str], settings: NamedDependency[Settings]) -> Template:
    account = await service.account_for_reset_token(token, secret=settings.secret_key)
    return _reset_page(token, account=account)


@post("/password/reset/{token:str}", name="password_reset_submit", opt=ANONYMOUS_FORM)
async def reset_submit(token: FromPath[str], request: Request,
                       settings: NamedDependency[Settings]) -> Template | Redirect:
    account = await service.account_for_reset_token(token, secret=settings.secret_key)
    if account is None:
        return _reset_page(token, account=None)
    try:
        await service.set_password(account["id"], _field(await request.form(), "password"))
    except Refused as problem:
        return _reset_page(token, status_code=400, account=account, errors=[problem])
    # Every session of the account has ended, this browser's included: sign in again with the new password.
    session = viewer_of(request).session
    cookies = [expired_session_cookie(settings)] if session and session.account_id == account["id"] else []
    return Redirect("/login", status_code=303, query_params={"reset": "done"}, cookies=cookies)


HANDLERS = [signup_form, signup_submit, login_form, login_submit, logout, forgot_form, forgot_submit, reset_form,
            reset_submit]
