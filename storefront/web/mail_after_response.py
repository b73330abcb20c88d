"""Work a person waits for leaves right after the response: mail (a password reset, an order confirmation) and
webhook events (storefront.web.webhooks_after_response).

A request that queued a message (storefront.mail.outbox.queue) wakes the `send-mail` job once its response
has been sent, and so once its transaction has committed: the embedded runner of this process sends it at
once, or a queue worker does (the job is deferred on procrastinate). A request that queued nothing, every
read, costs nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextvars import Token
from typing import Any, ClassVar

from storefront.jobs.registry import SEND_MAIL, Waker
from storefront.mail.outbox import stop_watching, watch_queued

log = logging.getLogger(__name__)

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class WakeJobAfterResponse:
    """ASGI middleware, beside search_index.drain's: it watches what the request leaves in an outbox, then wakes
    that outbox's job. A subclass names the job and how its outbox is watched."""

    job: ClassVar[str]
    # What is lost if the wake fails: nothing, the next sweep of the job takes it; said in the log.
    what: ClassVar[str]

    def __init__(self, app: ASGIApp, waker: Waker) -> None:
        self.app = app
        self.waker = waker

    def watch(self) -> tuple[Any, Token[Any]]:
        raise NotImplementedError

    def stop(self, token: Token[Any]) -> None:
        raise NotImplementedError

    def wrote(self, marks: Any) -> bool:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        marks, token = self.watch()
        try:
            await self.app(scope, receive, send)
        finally:
            self.stop(token)
            if self.wrote(marks):
                try:
                    await self.waker.wake(self.job)
                except Exception:
                    log.exception("the %s job could not be woken: the next sweep takes the %s", self.job, self.what)


class SendMailAfterResponse(WakeJobAfterResponse):
    job = SEND_MAIL
    what = "messages"

    def watch(self) -> tuple[Any, Token[Any]]:
        return watch_queued()

    def stop(self, token: Token[Any]) -> None:
        stop_watching(token)

    def wrote(self, marks: Any) -> bool:
        return bool(marks.queued)
