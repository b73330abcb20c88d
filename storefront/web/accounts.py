"""Sign up, sign in, sign out and password reset: forms that re-render with their errors, then redirect.

Every POST ends in a 303 redirect when it succeeds. A form with problems comes back with status 400,
what the person typed (never a password) and each message next to its field. Signing in or confirming a
sign-up always starts a new session (an old session id never becomes a signed-in one) and carries the
anonymous cart. A sign-up and a reset request answer the same, as fast, whether or not the address has an
account: what differs (the account, the e-mail) is done by a background task after the response.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from storefront.accounts import service, sessions
from storefront.accounts.passwords import MIN_PASSWORD_LENGTH
from storefront.accounts.throttles import AccountThrottles
from storefront.errors import Refused
from storefront.settings import Settings
from storefront.web.edge import client_address
from storefront.web.guards import MAX_NEXT_LENGTH
from storefront.web.viewer import expired_session_cookie, session_cookie, viewer_of

log = logging.getLogger("storefront")

ANONYMOUS_FORM = {"csrf": "anonymous"}  # reachable before any session exists
WRONG_LOGIN = "E-mail or password is incorrect."


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


def wait_message(wait: int, what: str) -> str:
    minutes = -(-wait // 60)
    return f"{what} Please wait {minutes} minute{'s' if minutes > 1 else ''} and try again."


def after_response(work: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> BackgroundTask:
    """Work done once the answer has left, so its cost never shows; a failure is logged, never shown."""
    async def run() -> None:
        try:
            await work(*args, **kwargs)
        except Exception:
            log.exception("background work after an account request failed")
    return BackgroundTask(run)


@post("/signup", name="signup_submit", opt=ANONYMOUS_FORM)
async def signup_submit(request: Request, settings: NamedDependency[Settings],
                        throttles: NamedDependency[AccountThrottles]) -> Template | Redirect:
    form = await request.form()
    email, name, password = _field(form, "email"), _field(form, "name"), _field(form, "password")
    next_path = safe_next(_field(form, "next"))

    def again(status_code: int, *, errors: list[Refused] | None = None, form_error: str | None = None):
        return _form_page("pages/accounts/signup.html", status_code=status_code, errors=errors, next_path=next_path,
                          form_error=form_error, values={"email": email.strip(), "name": name.strip()})

    if problems := service.sign_up_problems(email, name, password):
        return again(400, errors=problems)
    if wait := await throttles.request_wait(client_address(request)):
        return again(429, form_error=wait_message(wait, "Too many requests from your connection."))
    email = service.normalise_email(email)
    # The same answer, in the same time, for a new address and a taken one: the rest happens after it.
    may_mail = await throttles.may_mail(email)
    return Redirect("/signup/sent", status_code=303, query_params={"to": email},
                    background=after_response(service.sign_up, settings, email, name, password,
                                               may_mail=may_mail, next_path=next_path))


@get("/signup/sent", name="signup_sent")
async def signup_sent(to: FromQuery[str | None] = None) -> Template:
    return _form_page("pages/accounts/signup_sent.html", address=(to or "")[:service.MAX_EMAIL_LENGTH])


@get("/signup/confirm/{token:str}", name="signup_confirm")
async def confirm_form(token: FromPath[str], settings: NamedDependency[Settings],
                       next_path: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
    # A page with a button, not a GET that signs in: mail scanners open links, and must not use them up.
    account = await service.account_for_confirmation_token(token, secret=settings.secret_key)
    return _form_page("pages/accounts/confirm.html", status_code=200 if account else 400, token=token,
                      link_valid=account is not None, next_path=safe_next(next_path))


@post("/signup/confirm/{token:str}", name="signup_confirm_submit", opt=ANONYMOUS_FORM)
async def confirm_submit(token: FromPath[str], request: Request,
                         settings: NamedDependency[Settings]) -> Template | Redirect:
    account = await service.account_for_confirmation_token(token, secret=settings.secret_key)
    next_path = safe_next(_field(await request.form(), "next"))
    if account is None:
        return _form_page("pages/accounts/confirm.html", status_code=400, token=token, link_valid=False,
                          next_path=next_path)
    await service.confirm(account["id"])
    return await _start_session(request, account["id"], settings, next_path)


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
async def login_submit(request: Request, settings: NamedDependency[Settings],
                       throttles: NamedDependency[AccountThrottles]) -> Template | Redirect:
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
    client = client_address(request)
    if wait := await throttles.sign_in_wait(email, client):
        return again(429, form_error=wait_message(wait, "Too many failed attempts from your connection.")
                     + " Or reset your password.")
    try:
        account = await service.authenticate(email, password)
    except Refused as unconfirmed:
        return again(400, errors=[unconfirmed])
    if account is None:
        await throttles.sign_in_failed(email, client)
        return again(400, form_error=WRONG_LOGIN)
    await throttles.signed_in(email, client)
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
async def forgot_submit(request: Request, settings: NamedDependency[Settings],
                        throttles: NamedDependency[AccountThrottles]) -> Template | Redirect:
    form = await request.form()
    email = service.normalise_email(_field(form, "email"))
    if not email or len(email) > service.MAX_EMAIL_LENGTH:
        return _form_page("pages/accounts/forgot.html", status_code=400, sent=False, values={"email": email[:254]},
                          errors=[Refused("email", "Enter the e-mail address of your account.")])
    if wait := await throttles.request_wait(client_address(request)):
        return _form_page("pages/accounts/forgot.html", status_code=429, sent=False, values={"email": email},
                          form_error=wait_message(wait, "Too many requests from your connection."))
    # Beyond its share of e-mails an hour an address is sent nothing more, but the answer stays the same; and
    # whether the account exists is looked up after the answer, so the answer takes the same time either way.
    may_mail = await throttles.may_mail(email)
    background = after_response(service.send_password_reset_to, settings, email) if may_mail else None
    return Redirect("/password/forgot", status_code=303, query_params={"sent": "1"}, background=background)


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


HANDLERS = [signup_form, signup_submit, signup_sent, confirm_form, confirm_submit, login_form, login_submit, logout,
            forgot_form, forgot_submit, reset_form, reset_submit]
