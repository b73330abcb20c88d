"""When the database cannot answer for a moment: never a 500, and never what a person typed lost.

- **SQLite locked** past the busy timeout (`DATABASE_BUSY_TIMEOUT_MS`: another writer held the lock all
  along): 503 with `Retry-After` and a page that re-posts what was typed (hidden fields, a fresh CSRF token,
  passwords and card details asked again rather than kept in a page) with a "Try again" button.
- **PostgreSQL connection lost** (the server restarted, a backend was terminated, the network dropped it):
  the server has rolled back whatever that connection was doing, so `RetryOnLostConnection` runs the
  request once more, on a fresh connection (asyncpg's pool replaces a closed one). If the second attempt
  fails too, the same 503 page goes out. A response already started is never re-run.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from typing import Any, cast

from asyncpg.exceptions import InterfaceError, OperatorInterventionError, PostgresConnectionError
from litestar import Request, Response
from litestar.response import Template
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from storefront.web.errors import internal_error_handler

log = logging.getLogger("storefront.errors")

RETRY_AFTER_SECONDS = 5
# A body kept in memory for a second attempt: forms are far smaller; an upload larger than this runs once.
MAX_KEPT_BODY = 1024 * 1024
# Kept out of the page: a secret typed once is typed again rather than written into HTML.
NOT_KEPT = ("_csrf", "password", "card_number", "cvc")
_LOST = "encore.connection_lost"
_TYPED = "encore.typed_fields"
# What asyncpg and the socket raise when the server ended the connection under a query.
LOST_CONNECTION = (PostgresConnectionError, OperatorInterventionError, InterfaceError, ConnectionResetError,
                   ConnectionRefusedError)


def is_busy(exc: BaseException) -> bool:
    """SQLite gave up waiting for the write lock."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def is_connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):
        return "closed" in str(exc) or "connection" in str(exc)
    return isinstance(exc, LOST_CONNECTION)


def keep_typed_fields(request: Request, form: Any) -> None:
    """Called with each posted form before its handler runs, so a 503 page can give the fields back."""
    items = form.multi_items() if hasattr(form, "multi_items") else list(form.items())
    _state(request.scope)[_TYPED] = [(name, value) for name, value in items if isinstance(value, str)]


def _state(scope: Scope) -> dict[str, Any]:
    return cast(dict[str, Any], scope).setdefault("state", {})


def retry_once(request: Request) -> None:
    """Asks RetryOnLostConnection to run this request once more: its connection was lost under it."""
    _state(request.scope)[_LOST] = True


def unavailable_handler(request: Request, exc: Exception) -> Response:
    """The database is busy or its connection was lost: 503 with what was typed; anything else is a 500."""
    if not (is_busy(exc) or is_connection_lost(exc)):
        return internal_error_handler(request, exc)
    if is_connection_lost(exc):
        retry_once(request)
    log.warning("503 on %s %s: %s", request.method, request.url.path, exc)
    typed = _state(request.scope).get(_TYPED) if request.method == "POST" else None
    asked_again = sorted({name for name, _ in typed or [] if name != "_csrf" and name in NOT_KEPT})
    return Template(template_name="pages/unavailable.html", status_code=503,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                    context={"typed": [(n, v) for n, v in typed or [] if n not in NOT_KEPT] if typed is not None
                             else None, "asked_again": asked_again, "action": str(request.url.path) + (
                                 f"?{request.url.query}" if request.url.query else ""),
                             "retry_after": RETRY_AFTER_SECONDS})


class RetryOnLostConnection:
    """Runs a request a second time when its first attempt lost its database connection before answering."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        if not complete:
            # Too large to keep for a second attempt (an upload): it runs once, reading the rest as it comes.
            await self.app(scope, _Attempt(scope, body, receive, send, last=True, more_body=True).receive, send)
            return
        initial_state = dict(_state(scope))
        # The second attempt runs in the context variables as they were before the first: Piccolo keeps the
        # current transaction in one, and the lost connection's must not be found again.
        initial_context = contextvars.copy_context()
        state = _state(scope)
        for last in (False, True):
            # Each attempt starts from the scope as it came: nothing the first one cached (form, viewer) is kept.
            # The state stays the same dict, emptied and refilled: Litestar's before_send hooks (the security
            # headers, which ask whether the viewer has a session) read the scope the server handed in.
            state.clear()
            state.update(initial_state)
            attempt = _Attempt(cast(Scope, {**scope, "state": state}), body, receive, send, last)
            run = self.app(attempt.scope, attempt.receive, attempt.send)
            try:
                if last:
                    await asyncio.create_task(run, context=initial_context)
                else:
                    await run
            except Exception as exc:
                if last or attempt.started or not is_connection_lost(exc):
                    raise
            else:
                if last or attempt.started or not _state(attempt.scope).get(_LOST):
                    return
            log.warning("database connection lost on %s %s: running it again", scope["method"], scope["path"])


class _Attempt:
    """One run of the request: the buffered body replayed, the response held back if the connection was lost."""

    def __init__(self, scope: Scope, body: bytes, receive: Receive, send: Send, last: bool,
                 more_body: bool = False) -> None:
        self.scope, self._body, self._receive, self._send, self._last = scope, body, receive, send, last
        self._more_body = more_body
        self._delivered = False
        self.started = False

    async def receive(self) -> ReceiveMessage:
        if not self._delivered:
            self._delivered = True
            return {"type": "http.request", "body": self._body, "more_body": self._more_body}
        return await self._receive()

    async def send(self, message: Message) -> None:
        if not self._last and _state(self.scope).get(_LOST):
            return  # this attempt's 503 is dropped: the request runs again
        self.started = True
        await self._send(message)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request's body, and whether that is all of it (False past MAX_KEPT_BODY: the rest is still to come)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_KEPT_BODY:
            return b"".join(chunks), False
