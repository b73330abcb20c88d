"""Webhook events leave right after the response of the request that recorded them, as mail does
(storefront.web.mail_after_response): the request wakes the `send-webhooks` job once its response has been
sent, and so once its transaction has committed. A request that recorded nothing costs nothing."""
from __future__ import annotations

import logging

from storefront.jobs.registry import SEND_WEBHOOKS, Waker
from storefront.web.mail_after_response import ASGIApp, Receive, Scope, Send
from storefront.webhooks.outbox import stop_watching, watch_recorded

log = logging.getLogger(__name__)


class SendWebhooksAfterResponse:
    """ASGI middleware, beside the mail one: it watches the request, then wakes the webhooks job."""

    def __init__(self, app: ASGIApp, waker: Waker) -> None:
        self.app = app
        self.waker = waker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        events, token = watch_recorded()
        try:
            await self.app(scope, receive, send)
        finally:
            stop_watching(token)
            if events.recorded:
                try:
                    await self.waker.wake(SEND_WEBHOOKS)
                except Exception:
                    # The delivery stays in the outbox: the next run of the job sends it.
                    log.exception("the webhooks job could not be woken")
