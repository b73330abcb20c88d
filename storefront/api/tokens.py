"""Per-seller API tokens: made and revoked in the seller portal, checked on every seller API request.

A token is 32 random bytes (256 bits) behind the `enc_` marker, shown to the seller once, when it is made.
The table keeps its SHA-256 and a public prefix, never the token: reading the table lets nobody call the API.
A plain hash is enough for a secret this long (nothing to guess, unlike a password), and it does not tie
the tokens to SECRET_KEY, which the operator may rotate without breaking every integration.
A revoked token stays listed, with the date, so the seller can see what was cut off and when.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from storefront.api.tables import ApiToken
from storefront.db import write_transaction
from storefront.errors import NotFound, refuse_if
from storefront.inputs import has_unreadable_characters

MARKER = "enc_"
PREFIX_LENGTH = 12  # "enc_" and 8 characters: enough to tell a seller's tokens apart, far too few to guess
MAX_NAME_LENGTH = 80
MAX_ACTIVE_TOKENS = 20  # per seller: one per integration, with room to rotate each
MAX_TOKEN_LENGTH = 100  # longer is no token of ours: refused before any hashing or query
USE_NOTED_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInput:
    """What the seller types to make a token: a name saying which integration will use it."""

    name: str

    def problems(self) -> dict[str, str]:
        name = self.name.strip()
        if not name:
            return {"name": "Name the token after the integration that will use it (\u201cWarehouse sync\u201d)."}
        if len(name) > MAX_NAME_LENGTH:
            return {"name": f"Keep the name to {MAX_NAME_LENGTH} characters or fewer."}
        if has_unreadable_characters(name):
            return {"name": "The name holds characters that cannot be kept: remove them."}
        return {}


@dataclass(frozen=True)
class NewToken:
    id: int
    name: str
    prefix: str
    token: str  # the only place the token exists in clear: shown once, then forgotten


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid token speaks for."""

    token_id: int
    seller_id: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def create_token(seller_id: int, entered: TokenInput) -> NewToken:
    """A new token for the seller; Refused when the name is missing or the seller has too many tokens."""
    refuse_if(entered.problems())
    name = entered.name.strip()
    token = MARKER + secrets.token_urlsafe(32)
    async with write_transaction(ApiToken._meta.db):
        active = await ApiToken.count().where((ApiToken.seller == seller_id) & ApiToken.revoked_at.is_null())
        refuse_if({"name": f"You already have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use "
                           "first."} if active >= MAX_ACTIVE_TOKENS else {})
        row = ApiToken(seller=seller_id, name=name, prefix=token[:PREFIX_LENGTH], token_hash=token_hash(token),
                       created_at=_now())
        await row.save()
    return NewToken(id=row.id, name=name, prefix=row.prefix, token=token)


async def revoke_token(seller_id: int, token_id: int) -> None:
    """Revokes one of the seller's active tokens at once; NotFound for another seller's, a missing or an
    already revoked one."""
    revoked = await ApiToken.update({ApiToken.revoked_at: _now()}).where(
        (ApiToken.id == token_id) & (ApiToken.seller == seller_id) & ApiToken.revoked_at.is_null()
    ).returning(ApiToken.id)
    if not revoked:
        raise NotFound(token_id)


async def seller_tokens(seller_id: int) -> list[dict[str, Any]]:
    """The seller's tokens, active ones first, newest first; never the hash."""
    rows = await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.created_at,
                                 ApiToken.last_used_at, ApiToken.revoked_at).where(
        ApiToken.seller == seller_id).order_by(ApiToken.id, ascending=False)
    return sorted(rows, key=lambda row: row["revoked_at"] is not None)


async def holder_of(token: str, *, now: dt.datetime | None = None) -> TokenHolder | None:
    """The seller a token speaks for, or None for a wrong, malformed or revoked token. Notes the use, at most
    once a minute per token (one conditional UPDATE), so a busy integration does not write on every call."""
    if not token.startswith(MARKER) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    row = await ApiToken.select(ApiToken.id, ApiToken.seller, ApiToken.last_used_at).where(
        (ApiToken.token_hash == token_hash(token)) & ApiToken.revoked_at.is_null()).first()
    if row is None:
        return None
    now = now or _now()
    if row["last_used_at"] is None or row["last_used_at"] <= now - USE_NOTED_EVERY:
        try:
            await ApiToken.update({ApiToken.last_used_at: now}).where(
                (ApiToken.id == row["id"])
                & (ApiToken.last_used_at.is_null() | (ApiToken.last_used_at <= now - USE_NOTED_EVERY)))
        except sqlite3.OperationalError as exc:
            # SQLite's write lock held past the busy timeout: the note waits for the next call, the call goes on.
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
    return TokenHolder(token_id=row["id"], seller_id=row["seller"])
