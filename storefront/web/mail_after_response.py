"""Mail a person waits for (a password reset, an order confirmation) leaves right after the response.

A request that queued a message (storefront.mail.outbox.queue) wakes the `send-mail` job once its response
has been sent, and so once its transaction has committed: the embedded runner of this process sends it at
once, or a queue worker does (the job is deferred on procrastinate). A request that queued nothing, every
read, costs nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from storefront.jobs.registry import SEND_MAIL, Waker
from storefront.mail.outbox import stop_watching, watch_queued

log = logging.getLogger(__name__)

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SendMailAfterResponse:
    """ASGI middleware, beside search_index.drain's: it watches the request, then wakes the mail job."""

    def __init__(self, app: ASGIApp, waker: Waker) -> None:
        self.app = app
        self.waker = waker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mail, token = watch_queued()
        try:
            await self.app(scope, receive, send)
        finally:
            stop_watching(token)
            if mail.queued:
                try:
                    await self.waker.wake(SEND_MAIL)
                except Exception:
                    # The message stays in the outbox: the next sweep sends it.
                    log.exception("the mail job could not be woken")
