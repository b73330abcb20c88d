"""What the portal's webhooks page reads, each query scoped to the seller asking: plain data, no HTTP."""
from __future__ import annotations

import json
from typing import Any

from storefront.errors import NotFound
from storefront.webhooks.sender import MAX_ATTEMPTS
from storefront.webhooks.states import DeliveryStatus
from storefront.webhooks.tables import WebhookDelivery, WebhookEndpoint

LOG_LENGTH = 50
STATUS_NAMES = {DeliveryStatus.pending: "Waiting", DeliveryStatus.delivered: "Delivered",
                DeliveryStatus.failed: "Failed"}
_LOG_COLUMNS = (WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.event_type, WebhookDelivery.status,
                WebhookDelivery.attempts, WebhookDelivery.last_status_code, WebhookDelivery.last_error,
                WebhookDelivery.created_at, WebhookDelivery.last_attempt_at, WebhookDelivery.next_attempt_at,
                WebhookDelivery.delivered_at)


def _named(row: dict[str, Any]) -> dict[str, Any]:
    row["status_name"] = STATUS_NAMES[DeliveryStatus(row["status"])]
    row["max_attempts"] = MAX_ATTEMPTS
    return row


async def endpoint_of(seller_id: int) -> dict[str, Any] | None:
    return await WebhookEndpoint.select(
        WebhookEndpoint.url, WebhookEndpoint.secret, WebhookEndpoint.enabled, WebhookEndpoint.created_at,
        WebhookEndpoint.updated_at).where(WebhookEndpoint.seller == seller_id).first()


async def delivery_log(seller_id: int, limit: int = LOG_LENGTH) -> list[dict[str, Any]]:
    """The seller's latest deliveries, newest first."""
    rows = await WebhookDelivery.select(*_LOG_COLUMNS).where(WebhookDelivery.seller == seller_id).order_by(
        WebhookDelivery.id, ascending=False).limit(limit)
    return [_named(row) for row in rows]


async def delivery(seller_id: int, delivery_id: int) -> dict[str, Any]:
    """One delivery with its payload laid out for reading; another seller's answers like a missing one."""
    row = await WebhookDelivery.select(*_LOG_COLUMNS, WebhookDelivery.payload).where(
        (WebhookDelivery.id == delivery_id) & (WebhookDelivery.seller == seller_id)).first()
    if row is None:
        raise NotFound(delivery_id)
    row["payload_pretty"] = json.dumps(json.loads(row["payload"]), indent=2, ensure_ascii=False)
    return _named(row)
