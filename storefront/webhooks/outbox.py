"""Recording an event for a seller's webhook endpoint, in the transaction of the change it reports.

`record_event()` is the one call a domain change makes (payment, refusal, claims; later the buyer's
cancellation): it writes a delivery row, when the seller has an enabled endpoint, and returns the event's id.
It knows nothing of HTTP; `storefront.webhooks.sender` posts what waits. A request (or a job) that recorded an
event wakes the sending job once its response is sent, as mail does (`watch_recorded`).
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any

from storefront.webhooks.states import DeliveryStatus, EventType
from storefront.webhooks.tables import WebhookDelivery, WebhookEndpoint

# Delivered and failed events are kept this long for the portal's log (which shows the latest 50), then deleted.
KEPT_FOR = dt.timedelta(days=90)


class RecordedEvents:
    """Whether a unit of work (a request, a job) recorded an event, so it goes out at once."""

    def __init__(self) -> None:
        self.recorded = False


_recorded: ContextVar[RecordedEvents | None] = ContextVar("recorded_webhook_events", default=None)


def watch_recorded() -> tuple[RecordedEvents, Token[RecordedEvents | None]]:
    """Start noting, for the current context, whether an event is recorded; pair with `stop_watching`."""
    events = RecordedEvents()
    return events, _recorded.set(events)


def stop_watching(token: Token[RecordedEvents | None]) -> None:
    _recorded.reset(token)


def timestamp(at: dt.datetime) -> str:
    """An instant as the payloads write it: UTC, ISO 8601, to the second, with a Z."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def receives_events(seller_id: int) -> bool:
    """Whether the seller has an endpoint turned on: callers skip building a payload nobody would get."""
    return await WebhookEndpoint.exists().where(
        (WebhookEndpoint.seller == seller_id) & (WebhookEndpoint.enabled == True))  # noqa: E712


def event_body(event_id: str, event_type: EventType, created_at: dt.datetime, data: Mapping[str, Any]) -> str:
    return json.dumps({"id": event_id, "type": str(event_type), "created_at": timestamp(created_at),
                       "data": data}, ensure_ascii=False, separators=(",", ":"))


async def record_event(seller_id: int, event_type: EventType, data: Mapping[str, Any], *,
                       at: dt.datetime | None = None) -> str | None:
    """Queues `event_type` with `data` (plain JSON values) for the seller's endpoint, in the caller's
    transaction; returns the event id, or None when the seller has no endpoint turned on (nothing is kept:
    an endpoint set up later does not receive the past)."""
    if not await receives_events(seller_id):
        return None
    at = at or dt.datetime.now(dt.UTC)
    event_id = "evt_" + uuid.uuid4().hex
    await WebhookDelivery.insert(WebhookDelivery(
        seller=seller_id, event_id=event_id, event_type=str(event_type),
        payload=event_body(event_id, event_type, at, data), status=DeliveryStatus.pending, attempts=0,
        next_attempt_at=at, created_at=at))
    watching = _recorded.get()
    if watching is not None:
        watching.recorded = True
    return event_id


async def purge_old_deliveries(*, now: dt.datetime | None = None) -> int:
    """Deletes delivered and failed events older than KEPT_FOR; one waiting for a retry stays. Returns how many."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - KEPT_FOR
    gone = await WebhookDelivery.delete().where((WebhookDelivery.status != DeliveryStatus.pending)
                                                & (WebhookDelivery.created_at < cutoff)).returning(WebhookDelivery.id)
    return len(gone)
