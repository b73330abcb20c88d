"""Signing up, signing in and resetting a password: the rules, with no HTTP in sight.

A sign-up never tells whether the address already has an account: the answer is always "we sent a link to
confirm". A new address gets an unconfirmed account and a link that confirms it and signs in; an address
with an account gets a note saying someone tried to sign up with it. Nobody signs in to an unconfirmed
account, so a sign-up with someone else's address leads nowhere (the next sign-up or a reset link from the
mailbox's owner takes it over).

Link tokens (reset, confirmation) are `<account id>.<expiry>.<signature>`, the signature an HMAC-SHA256 with
the shop's secret key over their purpose, the account, the expiry and a fingerprint of the current password
hash (and, for confirmation, of the account being unconfirmed). Nothing is stored: a token dies when it
expires, and as soon as the password changes (argon2 salts every hash afresh, so even the same password gives
a new fingerprint) or the account is confirmed, which makes it single-use.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import quote

from storefront.accounts import sessions
from storefront.accounts.passwords import (
    DUMMY_HASH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from storefront.accounts.states import Role
from storefront.accounts.tables import Account
from storefront.cart import service as cart_service
from storefront.db import write_transaction
from storefront.errors import Refused
from storefront.inputs import MAX_TIMESTAMP, parse_id, parse_whole, same_signature
from storefront.mail.outbox import queue
from storefront.settings import Settings, get_settings

RESET_TOKEN_LIFETIME = dt.timedelta(hours=1)
CONFIRMATION_TOKEN_LIFETIME = dt.timedelta(hours=24)
MAX_NAME_LENGTH = 120
MAX_EMAIL_LENGTH = 254
ROLES = ("shopper", "seller", "operator")
# Loose where addresses really vary (any printable local part), strict where no mail server would deliver: dots
# only between parts of the local part (RFC 5322 dot-atom), and a domain of two or more host-name labels (RFC 1123)
# that neither start nor end with a dash. The e-mail we send proves the rest.
_EMAIL_SHAPE = re.compile(r"[^@\s.]+(?:\.[^@\s.]+)*@[^@\s]+")
# Letters in any script ([^\W_]), so internationalised domains typed as read still pass.
_DOMAIN_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")


def looks_like_email(email: str) -> bool:
    """The one check every form that asks for an e-mail address makes."""
    if len(email) > MAX_EMAIL_LENGTH or _EMAIL_SHAPE.fullmatch(email) is None:
        return False
    labels = email.rpartition("@")[2].split(".")
    return len(labels) >= 2 and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _email_problem(email: str) -> Refused | None:
    if not email:
        return Refused("email", "Enter your e-mail address.")
    if not looks_like_email(email):
        return Refused("email", "Enter an e-mail address like name@example.com.")
    return None


def _password_problem(password: str) -> Refused | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return Refused("password", f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        return Refused("password", f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters.")
    return None


def sign_up_problems(email: str, name: str, password: str) -> list[Refused]:
    """Every problem with a sign-up form that can be seen without the database, one per field."""
    problems = [_email_problem(normalise_email(email))]
    name = (name or "").strip()
    if not name:
        problems.append(Refused("name", "Enter your name."))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(Refused("name", f"Use at most {MAX_NAME_LENGTH} characters for your name."))
    problems.append(_password_problem(password or ""))
    return [p for p in problems if p is not None]


def check_new_password(password: str) -> None:
    if problem := _password_problem(password or ""):
        raise problem


async def _email_taken(email: str) -> bool:
    return await Account.exists().where(Account.email == email)


def _duplicate() -> Refused:
    return Refused("email", "An account already uses this e-mail address.")


async def sign_up(settings: Settings, email: str, name: str, password: str, *, may_mail: bool,
                  next_path: str = "/") -> None:
    """The work behind the sign-up's one answer, done after it has been sent so it costs no visible time:
    a new address gets an unconfirmed account and a confirmation link; an unconfirmed one gets the new name and
    password and a fresh link (only the mailbox's owner can use it); a confirmed one gets a note. `may_mail` is
    False when the address has had its share of account e-mails: then nothing is sent."""
    if problems := sign_up_problems(email, name, password):
        raise problems[0]
    email, name = normalise_email(email), name.strip()
    password_hash = hash_password(password)  # on every path: what follows must not differ in cost by much
    existing = await account_by_email(email)
    if existing is None:
        try:
            account_id = await _create(email, name, password, role=Role.shopper, seller_id=None, confirmed=False,
                                       password_hash=password_hash)
        except Refused:  # another sign-up for the same address got there first: that one sends the mail
            return
        existing = await Account.select().where(Account.id == account_id).first()
    elif existing["confirmed_at"] is None:
        await Account.update({Account.name: name, Account.password_hash: password_hash}).where(
            (Account.id == existing["id"]) & Account.confirmed_at.is_null())
        existing = {**existing, "name": name, "password_hash": password_hash}
    elif may_mail:
        await send_sign_up_attempt(settings, existing)
        return
    if may_mail and existing is not None:
        await send_confirmation(settings, existing, next_path=next_path)


async def _create(email: str, name: str, password: str, *, role: str, seller_id: int | None,
                  confirmed: bool = True, password_hash: str | None = None) -> int:
    if await _email_taken(email):
        raise _duplicate()
    now = dt.datetime.now(dt.UTC)
    row = Account(email=email, name=name, password_hash=password_hash or hash_password(password), role=role,
                  seller=seller_id, created_at=now, confirmed_at=now if confirmed else None)
    try:
        await row.save()
    except Exception as exc:  # two sign-ups raced: the unique index decided, whatever the database's error class
        if await _email_taken(email):
            raise _duplicate() from exc
        raise
    return row.id


async def ensure_account(email: str, name: str, password: str, role: str = "shopper",
                         seller_id: int | None = None) -> int:
    """The account with this e-mail, created if missing (demo data, tests). An existing one is left as it is."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    email = normalise_email(email)
    existing = await Account.select(Account.id).where(Account.email == email).first()
    if existing:
        return existing["id"]
    return await _create(email, name, password, role=role, seller_id=seller_id)


async def account_by_email(email: str) -> dict[str, Any] | None:
    return await Account.select().where(Account.email == normalise_email(email)).first()


async def authenticate(email: str, password: str) -> dict[str, Any] | None:
    """The account if the password is right, else None; unknown e-mails cost the same argon2 verification.
    Raises Refused for an unconfirmed account with the right password: only its owner can be told that."""
    account = await account_by_email(email) if len(email or "") <= MAX_EMAIL_LENGTH else None
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        return None
    if account is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(account["password_hash"], password):
        return None
    if account["confirmed_at"] is None:
        raise Refused("email", "Confirm your e-mail address first: follow the link we sent you when you signed "
                               "up, or reset your password to get a new one.")
    if needs_rehash(account["password_hash"]):
        await Account.update({Account.password_hash: hash_password(password)}).where(Account.id == account["id"])
    return account


async def set_password(account_id: int, password: str) -> None:
    """Change the password and end every session of the account, on every device. The reset link came to the
    address, which proves it: an unconfirmed account is confirmed too."""
    check_new_password(password)
    new_hash = hash_password(password)  # before the transaction: argon2 takes a while, the write lock should not
    async with write_transaction(Account._meta.db):
        await Account.update({Account.password_hash: new_hash}).where(Account.id == account_id)
        await Account.update({Account.confirmed_at: dt.datetime.now(dt.UTC)}).where(
            (Account.id == account_id) & Account.confirmed_at.is_null())
        await sessions.destroy_all_for(account_id)


async def confirm(account_id: int) -> None:
    """The owner of the address followed the confirmation link: the account may sign in from now on."""
    await Account.update({Account.confirmed_at: dt.datetime.now(dt.UTC)}).where(
        (Account.id == account_id) & Account.confirmed_at.is_null())


async def cart_after_sign_in(previous_cart_id: str | None, account_id: int) -> str | None:
    """The cart the new session should hold: the anonymous cart joins the account's, or becomes it.

    Only call this with the cart of an anonymous session; a signed-in session's cart belongs to its account.
    """
    account_cart = await cart_service.cart_of_account(account_id)
    if not previous_cart_id or not await cart_service.exists(previous_cart_id):
        return account_cart
    if account_cart and account_cart != previous_cart_id:
        await cart_service.merge(previous_cart_id, account_cart)
        return account_cart
    await cart_service.claim(previous_cart_id, account_id)
    return previous_cart_id


# Link tokens: password reset and sign-up confirmation


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def _signature(secret: str, purpose: str, account: dict[str, Any], expires: int) -> str:
    message = f"{purpose}|{account['id']}|{expires}|{_fingerprint(account['password_hash'])}"
    if purpose == "confirm":
        # A confirmation link dies once the account is confirmed (a reset link, once the password changes).
        message += "|confirmed" if account["confirmed_at"] is not None else "|unconfirmed"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _token(purpose: str, lifetime: dt.timedelta, account: dict[str, Any], secret: str | None,
           now: float | None) -> str:
    secret = secret if secret is not None else get_settings().secret_key
    expires = int((now if now is not None else time.time()) + lifetime.total_seconds())
    return f"{account['id']}.{expires}.{_signature(secret, purpose, account, expires)}"


async def _account_for(purpose: str, token: str, secret: str | None, now: float | None) -> dict[str, Any] | None:
    parts = (token or "").split(".")
    if len(token or "") > 200 or len(parts) != 3:
        return None
    account_id, expires, signature = parse_id(parts[0]), parse_whole(parts[1], MAX_TIMESTAMP), parts[2]
    if account_id is None or expires is None:
        return None
    if expires < (now if now is not None else time.time()):
        return None
    account = await Account.select().where(Account.id == account_id).first()
    if account is None:
        return None
    secret = secret if secret is not None else get_settings().secret_key
    expected = _signature(secret, purpose, account, expires)
    return account if same_signature(signature, expected) else None


def reset_token(account: dict[str, Any], *, secret: str | None = None, now: float | None = None) -> str:
    """A link token valid for an hour and only until the password changes. `account` needs id and password_hash."""
    return _token("password-reset", RESET_TOKEN_LIFETIME, account, secret, now)


async def account_for_reset_token(token: str, *, secret: str | None = None,
                                  now: float | None = None) -> dict[str, Any] | None:
    """The account the token was made for, or None if it is malformed, expired, forged or already used."""
    return await _account_for("password-reset", token, secret, now)


def confirmation_token(account: dict[str, Any], *, secret: str | None = None, now: float | None = None) -> str:
    """A link token valid for a day, until the account is confirmed or its password changes."""
    return _token("confirm", CONFIRMATION_TOKEN_LIFETIME, account, secret, now)


async def account_for_confirmation_token(token: str, *, secret: str | None = None,
                                         now: float | None = None) -> dict[str, Any] | None:
    """The unconfirmed account the token was made for, or None (malformed, expired, forged or already used)."""
    return await _account_for("confirm", token, secret, now)


# E-mails, plain text, through the outbox


async def send_confirmation(settings: Settings, account: dict[str, Any], *, next_path: str = "/") -> None:
    token = confirmation_token(account, secret=settings.secret_key)
    hours = int(CONFIRMATION_TOKEN_LIFETIME.total_seconds() // 3600)
    after = f"?next={quote(next_path, safe='/')}" if next_path != "/" else ""
    await queue(to=account["email"], kind="sign_up_confirmation", subject=f"Confirm your {settings.brand_name} account",
                body=(f"Hello {account['name']},\n\nConfirm your e-mail address to finish creating your "
                      f"{settings.brand_name} account. This link signs you in and works once, for {hours} hours:\n\n"
                      f"{settings.public_base_url}/signup/confirm/{token}{after}\n\n"
                      f"If you did not sign up, ignore this message: no account is made without this link.\n"))


async def send_sign_up_attempt(settings: Settings, account: dict[str, Any]) -> None:
    await queue(to=account["email"], kind="sign_up_attempt", subject=f"Your {settings.brand_name} account",
                body=(f"Hello {account['name']},\n\nSomeone (we hope you) tried to create a {settings.brand_name} "
                      f"account with this e-mail address, which already has one. Sign in here:\n\n"
                      f"{settings.public_base_url}/login\n\nForgot your password? Choose a new one here:\n\n"
                      f"{settings.public_base_url}/password/forgot\n\n"
                      f"If it was not you, ignore this message: nothing has changed.\n"))


async def send_password_reset(settings: Settings, account: dict[str, Any]) -> None:
    token = reset_token(account, secret=settings.secret_key)
    minutes = int(RESET_TOKEN_LIFETIME.total_seconds() // 60)
    await queue(to=account["email"], kind="password_reset", subject=f"Reset your {settings.brand_name} password",
                body=(f"Hello {account['name']},\n\nSomeone (we hope you) asked to reset the password of your "
                      f"{settings.brand_name} account. Choose a new one here within {minutes} minutes:\n\n"
                      f"{settings.public_base_url}/password/reset/{token}\n\n"
                      f"The link works once. If you did not ask for it, ignore this message: your password "
                      f"stays as it is.\n"))


async def send_password_reset_to(settings: Settings, email: str) -> None:
    """A reset link if the address has an account; nothing, silently, if not."""
    account = await account_by_email(email)
    if account is not None:
        await send_password_reset(settings, account)
