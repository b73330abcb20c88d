"""Refunds leave for the provider right after the response of the request that booked them, as mail does
(storefront.web.mail_after_response): once the response is sent its transaction has committed, so the provider
is never asked to pay back a refund that was rolled back. A request that booked nothing costs nothing."""
from __future__ import annotations

from contextvars import Token
from typing import Any

from storefront.jobs.registry import SEND_REFUNDS
from storefront.payments.refunds import stop_watching, watch_booked
from storefront.web.mail_after_response import WakeJobAfterResponse


class SendRefundsAfterResponse(WakeJobAfterResponse):
    job = SEND_REFUNDS
    what = "refunds"

    def watch(self) -> tuple[Any, Token[Any]]:
        return watch_booked()

    def stop(self, token: Token[Any]) -> None:
        stop_watching(token)

    def wrote(self, marks: Any) -> bool:
        return bool(marks.booked)
