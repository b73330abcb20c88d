"""Webhook events leave right after the response of the request that recorded them, as mail does
(storefront.web.mail_after_response): the request wakes the `send-webhooks` job once its response has been
sent, and so once its transaction has committed. A request that recorded nothing costs nothing."""
from __future__ import annotations

from contextvars import Token
from typing import Any

from storefront.jobs.registry import SEND_WEBHOOKS
from storefront.web.mail_after_response import WakeJobAfterResponse
from storefront.webhooks.outbox import stop_watching, watch_recorded


class SendWebhooksAfterResponse(WakeJobAfterResponse):
    job = SEND_WEBHOOKS
    what = "deliveries"

    def watch(self) -> tuple[Any, Token[Any]]:
        return watch_recorded()

    def stop(self, token: Token[Any]) -> None:
        stop_watching(token)

    def wrote(self, marks: Any) -> bool:
        return bool(marks.recorded)
