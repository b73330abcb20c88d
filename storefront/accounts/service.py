"""Signing up, signing in and resetting a password: the rules, with no HTTP in sight.

A password reset token is `<account id>.<expiry>.<signature>`, the signature an HMAC-SHA256 with the
shop's secret key over the account, the expiry and a fingerprint of the current password hash. Nothing
is stored: the token dies when it expires, and as soon as the password changes (argon2 salts every hash
afresh, so even the same password gives a new fingerprint), which makes it single-use.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from typing import Any

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
    return Refused("email", "An account already uses this e-mail address. Sign in, or reset your password.")


async def sign_up(email: str, name: str, password: str) -> int:
    """Create a shopper account and return its id; raises Refused for the first problem found."""
    if problems := sign_up_problems(email, name, password):
        raise problems[0]
    return await _create(normalise_email(email), name.strip(), password, role=Role.shopper, seller_id=None)


async def _create(email: str, name: str, password: str, *, role: str, seller_id: int | None) -> int:
    if await _email_taken(email):
        raise _duplicate()
    row = Account(email=email, name=name, password_hash=hash_password(password), role=role, seller=seller_id,
                  created_at=dt.datetime.now(dt.UTC))
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
    """The account if the password is right, else None; unknown e-mails cost the same argon2 verification."""
    account = await account_by_email(email) if len(email or "") <= MAX_EMAIL_LENGTH else None
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        return None
    if account is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(account["password_hash"], password):
        return None
    if needs_rehash(account["password_hash"]):
        await Account.update({Account.password_hash: hash_password(password)}).where(Account.id == account["id"])
    return account


async def set_password(account_id: int, password: str) -> None:
    """Change the password and end every session of the account, on every device."""
    check_new_password(password)
    new_hash = hash_password(password)  # before the transaction: argon2 takes a while, the write lock should not
    async with write_transaction(Account._meta.db):
        await Account.update({Account.password_hash: new_hash}).where(Account.id == account_id)
        await sessions.destroy_all_for(account_id)


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


# Password reset tokens


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def _reset_signature(secret: str, account_id: int, expires: int, password_hash: str) -> str:
    message = f"password-reset|{account_id}|{expires}|{_fingerprint(password_hash)}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def reset_token(account: dict[str, Any], *, secret: str | None = None, now: float | None = None) -> str:
    """A link token valid for an hour and only until the password changes. `account` needs id and password_hash."""
    secret = secret if secret is not None else get_settings().secret_key
    issued = now if now is not None else time.time()
    expires = int(issued + RESET_TOKEN_LIFETIME.total_seconds())
    return f"{account['id']}.{expires}.{_reset_signature(secret, account['id'], expires, account['password_hash'])}"


async def account_for_reset_token(token: str, *, secret: str | None = None,
                                  now: float | None = None) -> dict[str, Any] | None:
    """The account the token was made for, or None if it is malformed, expired, forged or already used."""
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
    expected = _reset_signature(secret, account_id, expires, account["password_hash"])
    return account if same_signature(signature, expected) else None


# E-mails, plain text, through the outbox


async def send_welcome(settings: Settings, *, to: str, name: str) -> None:
    await queue(to=to, kind="welcome", subject=f"Welcome to {settings.brand_name}", body=(
        f"Hello {name},\n\nYour {settings.brand_name} account is ready. You can follow your orders and keep your "
        f"cart on every device you sign in on: {settings.public_base_url}/\n\n"
        f"If you did not create this account, reply to this message and we will close it.\n"
    ))


async def send_password_reset(settings: Settings, account: dict[str, Any]) -> None:
    token = reset_token(account, secret=settings.secret_key)
    minutes = int(RESET_TOKEN_LIFETIME.total_seconds() // 60)
    await queue(to=account["email"], kind="password_reset", subject=f"Reset your {settings.brand_name} password",
                body=(f"Hello {account['name']},\n\nSomeone (we hope you) asked to reset the password of your "
                      f"{settings.brand_name} account. Choose a new one here within {minutes} minutes:\n\n"
                      f"{settings.public_base_url}/password/reset/{token}\n\n"
                      f"The link works once. If you did not ask for it, ignore this message: your password "
                      f"stays as it is.\n"))
