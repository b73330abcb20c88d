"""Web sessions, stored in the database and created only when something must be remembered.

The cookie carries a random token; the table keeps its SHA-256, so reading the table does not let
anyone impersonate a session. Anonymous browsing never reaches this module.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from storefront.accounts.tables import WebSession

SESSION_LIFETIME = dt.timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionState:
    id: int
    token_hash: str
    account_id: int | None
    cart_id: str | None


def _state(row: dict) -> SessionState:
    return SessionState(id=row["id"], token_hash=row["token_hash"], account_id=row["account"],
                        cart_id=str(row["cart_id"]) if row["cart_id"] else None)


async def load(token: str | None) -> SessionState | None:
    if not token or len(token) > 100:
        return None
    row = await WebSession.select().where(
        (WebSession.token_hash == token_hash(token)) & (WebSession.expires_at > dt.datetime.now(dt.UTC))
    ).first()
    return _state(row) if row else None


async def create(*, account_id: int | None = None, cart_id: str | None = None) -> tuple[str, SessionState]:
    """A new session and the token for its cookie (the only place the token exists in clear)."""
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    row = WebSession(token_hash=token_hash(token), account=account_id, cart_id=cart_id, created_at=now,
                     expires_at=now + SESSION_LIFETIME)
    await row.save()
    return token, SessionState(id=row.id, token_hash=row.token_hash, account_id=account_id, cart_id=cart_id)


async def set_cart(session: SessionState, cart_id: str | None) -> SessionState:
    await WebSession.update({WebSession.cart_id: cart_id}).where(WebSession.id == session.id)
    return SessionState(session.id, session.token_hash, session.account_id, cart_id)


async def destroy(session: SessionState) -> None:
    await WebSession.delete().where(WebSession.id == session.id)


async def destroy_all_for(account_id: int) -> None:
    """After a password reset every other device must sign in again."""
    await WebSession.delete().where(WebSession.account == account_id)


async def purge_expired() -> int:
    expired = await WebSession.select(WebSession.id).where(WebSession.expires_at <= dt.datetime.now(dt.UTC))
    if expired:
        await WebSession.delete().where(WebSession.id.is_in([r["id"] for r in expired]))
    return len(expired)
